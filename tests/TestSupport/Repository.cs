using Xunit;

namespace Nn.TestSupport;

/// <summary>Finds files of the repository the tests were built from.</summary>
public static class Repository
{
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Nn.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException($"No Nn.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>The trimmed, non-empty lines of the first fenced block of the given language in README.md.</summary>
    public static string[] ReadmeBlock(string language) => DocumentBlock("README.md", language);

    /// <summary>
    /// The trimmed, non-empty lines of the first fenced block of the given language in a Markdown file of the repository,
    /// or of the first such block with a line containing <paramref name="containing"/>.
    /// </summary>
    public static string[] DocumentBlock(string relativePath, string language, string? containing = null)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, relativePath));
        var blocks = lines.Select((line, i) => (line, i)).Where(p => p.line.Trim() == "```" + language)
            .Select(p => lines.Skip(p.i + 1).TakeWhile(l => l.Trim() != "```").Select(l => l.Trim()).Where(l => l.Length > 0).ToArray());
        var block = blocks.FirstOrDefault(b => containing is null || b.Any(l => l.Contains(containing, StringComparison.Ordinal)));
        Assert.True(block is not null, $"{relativePath} has no ```{language} block{(containing is null ? string.Empty : $" containing '{containing}'")}");
        return block;
    }

    /// <summary>The trimmed, non-empty lines between "// README:begin" and "// README:end" in a repository file.</summary>
    public static string[] MarkedLines(string relativePath) =>
        File.ReadAllLines(Path.Combine(Root, relativePath))
            .SkipWhile(l => l.Trim() != "// README:begin").Skip(1)
            .TakeWhile(l => l.Trim() != "// README:end")
            .Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();

    /// <summary>A path inside the repository.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The trimmed, non-empty lines between "// NAME:begin" and "// NAME:end" in a repository file.</summary>
    public static string[] Marked(string relativePath, string name) =>
        File.ReadAllLines(Path.Combine(Root, relativePath))
            .SkipWhile(l => l.Trim() != $"// {name}:begin").Skip(1)
            .TakeWhile(l => l.Trim() != $"// {name}:end")
            .Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();

    /// <summary>The trimmed, non-empty lines of the n-th (0-based) fenced block of a language in README.md, without its using lines.</summary>
    public static string[] ReadmeCode(string language, int index)
    {
        var readme = File.ReadAllLines(Path.Combine(Root, "README.md"));
        var starts = readme.Select((line, i) => (line, i)).Where(p => p.line.Trim() == "```" + language).Select(p => p.i).ToArray();
        Assert.True(starts.Length > index, $"README.md has {starts.Length} ```{language} blocks, not {index + 1}");
        return [.. readme.Skip(starts[index] + 1).TakeWhile(l => l.Trim() != "```").Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith("using ", StringComparison.Ordinal))];
    }
}
