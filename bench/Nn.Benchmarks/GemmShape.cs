using Nn.LinearAlgebra;

namespace Nn.Benchmarks;

/// <summary>One column-major product C(m×n) ← op(A)·op(B), with the operands it needs.</summary>
public sealed record GemmShape(string Name, Transpose TransA, Transpose TransB, int M, int N, int K)
{
    /// <summary>
    /// The products of one training step of the 784-128-10 MLP at batch 64 and 256 (with the input gradient W1ᵀ·dZ1 that
    /// a deeper network or an input-gradient query computes), and the three 784-wide products and the output layer at
    /// batch 1000 (inference).
    /// </summary>
    public static IReadOnlyList<GemmShape> Mlp { get; } =
    [
        .. new[] { 64, 256 }.SelectMany(Training),
        new("Z1=W1·X b1000", Transpose.No, Transpose.No, 128, 1000, 784),
        new("dW1=dZ1·Xᵀ b1000", Transpose.No, Transpose.Yes, 128, 784, 1000),
        new("dX=W1ᵀ·dZ1 b1000", Transpose.Yes, Transpose.No, 784, 1000, 128),
        new("Z2=W2·A1 b1000", Transpose.No, Transpose.No, 10, 1000, 128),
    ];

    /// <summary>Whether this is one of the 784-wide products (784×128 weights), whose speed is compared with the peak.</summary>
    public bool Wide => Math.Max(M, Math.Max(N, K)) == 784;

    /// <summary>Multiply-adds counted twice: the flop count of a GEMM.</summary>
    public double Flops => 2.0 * M * N * K;

    /// <summary>Leading dimension of A as stored.</summary>
    public int Lda => TransA == Transpose.No ? M : K;

    /// <summary>Leading dimension of B as stored.</summary>
    public int Ldb => TransB == Transpose.No ? K : N;

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Random operands in [−1, 1] from a fixed seed.</summary>
    public (float[] A, float[] B, float[] C) Operands()
    {
        var random = new Random(7);
        float[] Fill(int length) => Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        return (Fill(M * K), Fill(K * N), new float[M * N]);
    }

    /// <summary>Runs the product once on the current backend.</summary>
    public void Run(float[] a, float[] b, float[] c) =>
        Blas.Gemm(TransA, TransB, M, N, K, 1f, a, Lda, b, Ldb, 0f, c, M);

    private static IEnumerable<GemmShape> Training(int batch) =>
    [
        new($"Z1=W1·X b{batch}", Transpose.No, Transpose.No, 128, batch, 784),
        new($"dW1=dZ1·Xᵀ b{batch}", Transpose.No, Transpose.Yes, 128, 784, batch),
        new($"Z2=W2·A1 b{batch}", Transpose.No, Transpose.No, 10, batch, 128),
        new($"dW2=dZ2·A1ᵀ b{batch}", Transpose.No, Transpose.Yes, 10, 128, batch),
        new($"dA1=W2ᵀ·dZ2 b{batch}", Transpose.Yes, Transpose.No, 128, batch, 10),
        new($"dX=W1ᵀ·dZ1 b{batch}", Transpose.Yes, Transpose.No, 784, batch, 128),
    ];
}
