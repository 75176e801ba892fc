using Nn.LinearAlgebra;

namespace Nn.Tests.LinearAlgebra;

/// <summary>A fact that is skipped, with the loader's reason, only when <c>libopenblas.so.0</c> cannot be loaded on this machine.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class OpenBlasFactAttribute : FactAttribute
{
    public OpenBlasFactAttribute()
    {
        if (OpenBlas.Instance is null)
        {
            Skip = $"OpenBLAS is not installed ({OpenBlas.LoadDetail}); install libopenblas0-pthread to run this test.";
        }
    }
}
