using Nn.LinearAlgebra;

namespace Nn.Tests.LinearAlgebra;

/// <summary>The packed SIMD kernel (tiny, single-threaded and multi-threaded paths) meets the backend contract.</summary>
public sealed class SimdBackendTests : ManagedBackendContract
{
    protected override IBlasBackend Backend => SimdBlas.Instance;

    [Fact]
    public void LargeProductsRunConcurrentlyFromSeveralThreadsGiveTheSameBitsAsOneAtATime()
    {
        // Each product is large enough to be split over the thread pool; several callers at once must not
        // share work items or packing buffers. Blocking does not depend on the thread count, so the bits match.
        const int m = 96, n = 160, k = 300;
        var inputs = Enumerable.Range(0, 6).Select(seed =>
        {
            var random = new Random(seed);
            return (A: Enumerable.Range(0, m * k).Select(_ => random.NextDouble() - 0.5).ToArray(),
                    B: Enumerable.Range(0, k * n).Select(_ => random.NextDouble() - 0.5).ToArray());
        }).ToArray();
        double[] Product((double[] A, double[] B) x)
        {
            var c = new double[m * n];
            Backend.Gemm(Transpose.No, Transpose.No, m, n, k, 1.0, x.A, m, x.B, k, 0.0, c, m);
            return c;
        }

        var expected = inputs.Select(Product).ToArray();
        var actual = new double[inputs.Length][][];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = inputs.Length }, i =>
            actual[i] = Enumerable.Range(0, 20).Select(_ => Product(inputs[i])).ToArray());
        for (var i = 0; i < inputs.Length; i++)
        {
            Assert.All(actual[i], c => Assert.Equal(expected[i], c));
        }
    }
}
