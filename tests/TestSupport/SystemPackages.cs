using System.Collections.Concurrent;
using System.Diagnostics;
using Nn.Data;
using Nn.LinearAlgebra;

namespace Nn.TestSupport;

/// <summary>
/// Whether the Debian packages some tests need are installed, and what a test does when one is not: on a developer's
/// machine it is skipped with a one-line reason naming the package; under <c>CI=true</c> (where <c>.ci/run</c> has
/// installed every package) it fails with that reason instead, so a missing package can never pass unnoticed.
/// </summary>
public static class SystemPackages
{
    /// <summary>Debian's Python, the one that <c>python3-onnx</c> and <c>python3-numpy</c> install into.</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly ConcurrentDictionary<SystemPackage, Lazy<string?>> Detected = new();

    /// <summary>True when the environment variable <c>CI</c> is <c>true</c>: then a missing package fails its tests.</summary>
    public static bool RequiredByCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The Debian package names, as <c>apt-get install</c> takes them.</summary>
    public static string[] DebianNames(SystemPackage package) => package switch
    {
        SystemPackage.OpenBlas => ["libopenblas0-pthread"],
        SystemPackage.FashionMnist => ["dataset-fashion-mnist"],
        SystemPackage.PythonOnnx => ["python3-onnx", "python3-numpy"],
        SystemPackage.PythonSklearn => ["python3-sklearn"],
        _ => throw new ArgumentOutOfRangeException(nameof(package), package, "unknown package"),
    };

    /// <summary>
    /// Null when the package is usable; otherwise one line saying what is missing and what to install. Detected once
    /// per process, by doing what the tests do: loading the library, finding the files, importing the modules.
    /// </summary>
    public static string? Missing(SystemPackage package) =>
        Detected.GetOrAdd(package, p => new Lazy<string?>(() => Detect(p) is { } why ? Needs(DebianNames(p), why) : null)).Value;

    /// <summary>The skip reason for a test needing <paramref name="package"/>: null when it is installed or when <see cref="RequiredByCi"/>.</summary>
    public static string? SkipReason(SystemPackage package) => RequiredByCi ? null : Missing(package);

    /// <summary>The failure for a test needing <paramref name="package"/> under <c>CI=true</c>: null when it is installed or outside CI.</summary>
    public static string? CiFailure(SystemPackage package) =>
        RequiredByCi && Missing(package) is { } missing ? $"CI=true, so this test may not be skipped, but it {missing}" : null;

    private static string Needs(string[] names, string why) =>
        $"needs the Debian package{(names.Length > 1 ? "s" : string.Empty)} {string.Join(" and ", names)} ({why}): apt-get install {string.Join(' ', names)}";

    private static string? Detect(SystemPackage package) => package switch
    {
        SystemPackage.OpenBlas => OpenBlas.Instance is null ? OpenBlas.LoadDetail : null,
        SystemPackage.FashionMnist => MissingFashionMnistFile(),
        SystemPackage.PythonOnnx => PythonCannotImport("numpy, onnx.checker", "onnx and numpy"),
        SystemPackage.PythonSklearn => PythonCannotImport("numpy, sklearn.linear_model", "scikit-learn"),
        _ => throw new ArgumentOutOfRangeException(nameof(package), package, "unknown package"),
    };

    private static string? MissingFashionMnistFile()
    {
        string[] files = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];
        var missing = files.Select(f => Path.Combine(FashionMnist.DefaultDirectory, f)).FirstOrDefault(p => !File.Exists(p));
        return missing is null ? null : $"{missing} not found";
    }

    private static string? PythonCannotImport(string modules, string what)
    {
        if (!File.Exists(Python))
        {
            return $"{Python} not found";
        }

        var start = new ProcessStartInfo(Python, ["-c", $"import {modules}"]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start);
        if (process is null)
        {
            return $"{Python} did not start";
        }

        var errors = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            return $"{Python} -c 'import {modules}' did not finish within a minute";
        }

        var lastLine = errors.Result.Trim().Split('\n').LastOrDefault()?.Trim();
        return process.ExitCode == 0 ? null : $"{Python} cannot import {what}: {lastLine}";
    }
}
