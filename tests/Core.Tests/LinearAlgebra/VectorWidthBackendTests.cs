using Nn.LinearAlgebra;

namespace Nn.Tests.LinearAlgebra;

/// <summary>The 256-bit tiles that machines without AVX-512 run meet the backend contract.</summary>
public sealed class Vector256BackendTests : ManagedBackendContract
{
    protected override IBlasBackend Backend => SimdBlas.Vector256Tiles;
}

/// <summary>The plain loops that machines without 256-bit FMA run meet the backend contract.</summary>
public sealed class PlainLoopBackendTests : ManagedBackendContract
{
    protected override IBlasBackend Backend => SimdBlas.PlainLoops;
}
