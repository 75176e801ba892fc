using System.Diagnostics;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Optimization;

namespace Nn.Benchmarks;

/// <summary>
/// Where the time of one step of the 2-2-1 sigmoid XOR job goes (float32, full batch of 4, binary cross-entropy): each
/// piece the training engine runs per step, called alone in a loop of 2,000,000 calls after a warm-up; ns per call, the
/// fastest of five loops. The difference between their sum and a whole step of <c>nn bench xor</c> is the engine's own work.
/// </summary>
public static class XorProbe
{
    /// <summary>Prints the table.</summary>
    /// <param name="output">Where the table goes.</param>
    public static void Run(TextWriter output)
    {
        var network = Network.Create<float>([2, 2, 1], Activation.Sigmoid, Activation.Sigmoid, Initializer.XavierNormal, 5);
        var workspace = new Workspace<float>(network, Loss.BinaryCrossEntropy, 4);
        float[] x = [0, 0, 0, 1, 1, 0, 1, 1];
        float[] y = [0, 1, 1, 0];
        var hidden = new float[8];
        var output1 = new float[4];
        var theta = workspace.Parameters;
        var gradients = workspace.Gradients;
        var zero = new float[theta.Length];
        output.WriteLine($"cost and gradients {Time(() => workspace.CostAndGradients(x, y, 4, default, default)),8:F1} ns");
        output.WriteLine($"count correct      {Time(() => workspace.CountCorrect(y, 4)),8:F1} ns");
        output.WriteLine($"norm               {Time(() => workspace.Norm(gradients)),8:F1} ns");
        output.WriteLine($"θ ← θ + c·u        {Time(() => UpdateRules.AddScaledInPlace<float>(theta, -0.0, zero)),8:F1} ns");
        output.WriteLine($"affine 2×2, m = 4  {Time(() => DenseKernels.Affine<float>(theta.AsSpan(0, 4), theta.AsSpan(4, 2), 2, 2, x, 4, hidden)),8:F1} ns");
        output.WriteLine($"sigmoid, 8         {Time(() => Activation.Sigmoid.Forward<float>(hidden, hidden, 2)),8:F1} ns");
        output.WriteLine($"sigmoid, 4         {Time(() => Activation.Sigmoid.Forward<float>(output1, output1, 1)),8:F1} ns");
        output.WriteLine($"sigmoid′, 8        {Time(() => Activation.Sigmoid.Backward<float>(hidden, hidden, hidden, hidden, 2)),8:F1} ns");
        var slope = new double[8];
        output.WriteLine($"sigmoid, σ′ kept, 8 {Time(() => Activation.Sigmoid.ForwardWithSlope<float>(hidden, hidden, slope)),7:F1} ns");
        output.WriteLine($"da ⊙ kept σ′, 8    {Time(() => Elementwise.BackwardWithSlope<float>(slope, hidden, hidden)),8:F1} ns");
        output.WriteLine($"BCE total, 4       {Time(() => Loss.BinaryCrossEntropy.Total<float>(output1, output1, y, 1)),8:F1} ns");
    }

    private static double Time(Action action)
    {
        const int Calls = 2_000_000;
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 0.5)
        {
            action();
        }

        var best = double.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < Calls; i++)
            {
                action();
            }

            best = Math.Min(best, watch.Elapsed.TotalSeconds * 1e9 / Calls);
        }

        return best;
    }
}
