namespace Nn.Tests.Support;

/// <summary>Finds files of the repository the tests were built from.</summary>
internal static class Repository
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
    public static string[] ReadmeBlock(string language)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "README.md"));
        var start = Array.FindIndex(lines, l => l.Trim() == "```" + language);
        Assert.True(start >= 0, $"README.md has no ```{language} block");
        return lines.Skip(start + 1).TakeWhile(l => l.Trim() != "```").Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
    }

    /// <summary>The trimmed, non-empty lines between "// README:begin" and "// README:end" in a repository file.</summary>
    public static string[] MarkedLines(string relativePath) =>
        File.ReadAllLines(Path.Combine(Root, relativePath))
            .SkipWhile(l => l.Trim() != "// README:begin").Skip(1)
            .TakeWhile(l => l.Trim() != "// README:end")
            .Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
}
