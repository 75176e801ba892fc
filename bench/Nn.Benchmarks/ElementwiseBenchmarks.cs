using BenchmarkDotNet.Attributes;
using Nn.Activations;
using Nn.Optimization;

namespace Nn.Benchmarks;

/// <summary>
/// The elementwise work of one MLP step at batch 64 (float32): the hidden layer's activation forward and backward
/// (128 × 64 values) and one in-place optimizer step over the 784-128-10 network's largest buffer (128 × 784).
/// </summary>
[MemoryDiagnoser]
public class ElementwiseBenchmarks
{
    private readonly float[] z = new float[128 * 64];
    private readonly float[] a = new float[128 * 64];
    private readonly float[] da = new float[128 * 64];
    private readonly float[] dz = new float[128 * 64];
    private readonly float[] theta = new float[128 * 784];
    private readonly float[] gradient = new float[128 * 784];
    private readonly float[] m = new float[128 * 784];
    private readonly float[] v = new float[128 * 784];
    private readonly float[] update = new float[128 * 784];
    private int t;

    /// <summary>The activation under test.</summary>
    [Params("relu", "sigmoid", "tanh")]
    public string ActivationName { get; set; } = "relu";

    /// <summary>Fills the inputs with a fixed pattern.</summary>
    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < z.Length; i++)
        {
            z[i] = MathF.Sin(i) * 3;
            da[i] = MathF.Cos(i);
        }

        for (var i = 0; i < theta.Length; i++)
        {
            theta[i] = MathF.Sin(i) * 0.05f;
            gradient[i] = MathF.Cos(i) * 0.01f;
        }
    }

    /// <summary>a = g(z).</summary>
    [Benchmark]
    public void ActivationForward() => Activation.FromName(ActivationName).Forward<float>(z, a, 128);

    /// <summary>dz = g′(z) ⊙ da.</summary>
    [Benchmark]
    public void ActivationBackward() => Activation.FromName(ActivationName).Backward<float>(z, a, da, dz, 128);

    /// <summary>θ ← θ − α·g over 100,352 values (the SGD chain's two fused stages: scale, then add).</summary>
    [Benchmark]
    public void SgdStep()
    {
        UpdateRules.Scale<float>(gradient, -0.1, update);
        UpdateRules.Add<float>(theta, update, theta);
    }

    /// <summary>One Adam step over 100,352 values (moments, learning rate, add).</summary>
    [Benchmark]
    public void AdamStep()
    {
        UpdateRules.Adam<float>(gradient, m, v, 0.9, 0.999, 1e-8, ++t, m, v, update);
        UpdateRules.Scale<float>(update, -1e-3, update);
        UpdateRules.Add<float>(theta, update, theta);
    }
}
