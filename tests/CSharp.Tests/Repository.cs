namespace Nn.CSharp.Tests;

/// <summary>Files of the repository, found from the test binaries (the folder that holds Nn.sln).</summary>
internal static class Repository
{
    /// <summary>The repository root.</summary>
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !System.IO.File.Exists(Path.Combine(directory.FullName, "Nn.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("no Nn.sln above the test binaries");
        }
    }

    /// <summary>A path inside the repository.</summary>
    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Trimmed non-empty lines between <c>// NAME:begin</c> and <c>// NAME:end</c> of a repository file.</summary>
    public static string[] Marked(string relativePath, string name) =>
        [.. System.IO.File.ReadAllLines(File(relativePath))
            .SkipWhile(l => l.Trim() != $"// {name}:begin").Skip(1).TakeWhile(l => l.Trim() != $"// {name}:end")
            .Select(l => l.Trim()).Where(l => l.Length > 0)];

    /// <summary>Trimmed non-empty lines of the n-th (0-based) fenced block of a language in README.md, without using lines.</summary>
    public static string[] ReadmeBlock(string language, int index)
    {
        var readme = System.IO.File.ReadAllLines(File("README.md"));
        var starts = readme.Select((line, i) => (line, i)).Where(p => p.line.Trim() == "```" + language).Select(p => p.i).ToArray();
        return [.. readme.Skip(starts[index] + 1).TakeWhile(l => l.Trim() != "```").Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith("using ", StringComparison.Ordinal))];
    }
}
