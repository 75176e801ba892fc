using Nn.LinearAlgebra;

namespace Nn.Tests.LinearAlgebra;

/// <summary>The portable reference kernel meets the backend contract.</summary>
public sealed class ReferenceBackendTests : ManagedBackendContract
{
    protected override IBlasBackend Backend => ManagedBlas.Instance;
}
