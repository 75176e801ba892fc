using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Nn.TestSupport;

/// <summary>
/// A fact that needs a Debian package: skipped with a one-line reason naming the package when it is missing,
/// failed with that reason instead when <c>CI=true</c> (see <see cref="SystemPackages"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("Nn.TestSupport.SystemFactDiscoverer", "Nn.TestSupport")]
public sealed class SystemFactAttribute : FactAttribute
{
    /// <summary>Marks a fact as needing <paramref name="package"/>.</summary>
    public SystemFactAttribute(SystemPackage package)
    {
        Package = package;
        Skip = SystemPackages.SkipReason(package);
    }

    /// <summary>The package the test needs.</summary>
    public SystemPackage Package { get; }
}

/// <summary>A theory that needs a Debian package; see <see cref="SystemFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("Nn.TestSupport.SystemTheoryDiscoverer", "Nn.TestSupport")]
public sealed class SystemTheoryAttribute : TheoryAttribute
{
    /// <summary>Marks a theory as needing <paramref name="package"/>.</summary>
    public SystemTheoryAttribute(SystemPackage package)
    {
        Package = package;
        Skip = SystemPackages.SkipReason(package);
    }

    /// <summary>The package the test needs.</summary>
    public SystemPackage Package { get; }
}

/// <summary>Discovers a <see cref="SystemFactAttribute"/> test as a failing test case when CI=true and the package is missing.</summary>
public sealed class SystemFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    private readonly IMessageSink sink = diagnosticMessageSink;

    /// <inheritdoc />
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        SystemTestCases.FailUnderCi(sink, discoveryOptions, testMethod, factAttribute) ?? base.Discover(discoveryOptions, testMethod, factAttribute);
}

/// <summary>Discovers a <see cref="SystemTheoryAttribute"/> test as a failing test case when CI=true and the package is missing.</summary>
public sealed class SystemTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    private readonly IMessageSink sink = diagnosticMessageSink;

    /// <inheritdoc />
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute) =>
        SystemTestCases.FailUnderCi(sink, discoveryOptions, testMethod, theoryAttribute) ?? base.Discover(discoveryOptions, testMethod, theoryAttribute);
}

/// <summary>What the two discoverers share.</summary>
internal static class SystemTestCases
{
    /// <summary>One test case that fails with the reason, when CI=true and the attribute's package is missing; else null.</summary>
    public static IXunitTestCase[]? FailUnderCi(IMessageSink sink, ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo attribute)
    {
        var package = attribute.GetConstructorArguments().OfType<SystemPackage>().Single();
        return SystemPackages.CiFailure(package) is { } failure
            ? [new ExecutionErrorTestCase(sink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method, failure)]
            : null;
    }
}
