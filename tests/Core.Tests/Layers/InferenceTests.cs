using System.Numerics;
using MathNet.Numerics.LinearAlgebra;
using Nn.Activations;
using Nn.Initialization;
using Nn.Layers;
using Nn.LinearAlgebra;

namespace Nn.Tests.Layers;

/// <summary>
/// The block inference pass of <see cref="Propagation.Predict{T}"/> on the managed kernel: the same bits as the output of
/// <see cref="Propagation.Forward{T}(Network{T}, Matrix{T})"/> (which runs layer by layer, each product over the whole batch and
/// split over the cores), each column the same bits as that observation alone, for batches around the block size and
/// large enough to be shared out over the cores, every activation, float32 and float64, every tile width of the kernel.
/// </summary>
public sealed class InferenceTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var activation in new[] { "identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax", "custom" })
        {
            foreach (var m in new[] { 1, 47, 48, 49, 1000, 1001 })
            {
                data.Add(activation, m);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PredictByBlocksEqualsTheForwardTraceAndEachObservationAloneInFloat32(string activation, int m) =>
        SameBitsOnEveryWidth<float>(activation, m);

    [Theory]
    [MemberData(nameof(Cases))]
    public void PredictByBlocksEqualsTheForwardTraceAndEachObservationAloneInFloat64(string activation, int m) =>
        SameBitsOnEveryWidth<double>(activation, m);

    [Fact]
    public void TheBlockPassRunsOnlyOnTheManagedKernelWithCachedWeightsAndABlockPerCore()
    {
        var small = Network.Create<float>([784, 128, 10], Activation.Relu, Activation.Softmax, Initializer.XavierNormal, 1);
        var large = Network.Create<float>([1024, 1024, 10], Activation.Relu, Activation.Softmax, Initializer.XavierNormal, 1);
        using (Blas.Use(SimdBlas.Instance))
        {
            Assert.True(Inference.Applies(small, 1000, out _));
            Assert.True(Inference.Applies(small, 1, out _));
            Assert.Equal(Environment.ProcessorCount == 1, Inference.Applies(small, 48, out _));
            Assert.False(Inference.Applies(large, 1000, out _));
        }

        using (Blas.Use(ManagedBlas.Instance))
        {
            Assert.False(Inference.Applies(small, 1000, out _));
        }
    }

    [Fact]
    public void TheFirstNonFiniteInputIsNamedAsBeforeWhicheverBlockHoldsIt()
    {
        var network = Build<float>(Activation.Relu, Activation.Softmax, inputs: 600);
        foreach (var (positions, value) in new (int[], float)[]
        {
            ([5], float.NaN),
            ([600 * 999], float.PositiveInfinity),
            ([(600 * 500) + 17, (600 * 48) + 3], float.NegativeInfinity),
            ([(600 * 47) + 599, (600 * 900) + 1, 600 * 48], float.NaN),
        })
        {
            var x = Inputs<float>(600, 1000, seed: 3);
            foreach (var p in positions)
            {
                Dense.Data(x)[p] = value;
            }

            var first = positions.Min();
            var expected = $"X[{first % 600}, {first / 600}] is {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}: values must be finite. (Parameter 'X')";
            using (Blas.Use(SimdBlas.Instance))
            {
                Assert.Equal(expected, Assert.Throws<ArgumentException>(() => Propagation.Predict(network, x)).Message);
            }

            Assert.Equal(expected, Assert.Throws<ArgumentException>(() => Propagation.Forward(network, x)).Message);
        }
    }

    [Fact]
    public void TheFiniteScanFindsTheFirstNonFiniteValueAtEveryPositionAndLength()
    {
        foreach (var length in new[] { 0, 1, 7, 8, 31, 32, 33, 64, 100, 257 })
        {
            Assert.Equal(-1, Guard.FirstNonFinite<float>(new float[length]));
            Assert.Equal(-1, Guard.FirstNonFinite<double>(new double[length]));
            for (var i = 0; i < length; i++)
            {
                foreach (var bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
                {
                    var doubles = Enumerable.Range(0, length).Select(k => k * 1e300).ToArray();
                    var floats = Enumerable.Range(0, length).Select(k => k * 1e30f).ToArray();
                    doubles[i] = bad;
                    floats[i] = (float)bad;
                    if (i + 3 < length)
                    {
                        doubles[i + 3] = double.NaN;
                        floats[i + 3] = float.NaN;
                    }

                    Assert.Equal(i, Guard.FirstNonFinite<double>(doubles));
                    Assert.Equal(i, Guard.FirstNonFinite<float>(floats));
                }
            }
        }
    }

    private static void SameBitsOnEveryWidth<T>(string activation, int m)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var hidden = activation switch
        {
            "custom" => Activation.Custom("softsign", z => z / (1 + Math.Abs(z)), z => 1 / ((1 + Math.Abs(z)) * (1 + Math.Abs(z)))),
            "softmax" => Activation.Tanh,
            _ => Activation.FromName(activation),
        };
        var output = activation == "softmax" ? Activation.Softmax : hidden;

        // 600 inputs: past the kernel's blocking of the summed dimension in float32 and float64; 1,000 columns hold over
        // 10⁷ multiply-adds, so the blocks are shared out over the cores.
        var network = Build<T>(hidden, output, inputs: 600);
        var x = Inputs<T>(600, m, seed: m);
        foreach (var backend in new[] { SimdBlas.Instance, SimdBlas.Vector256Tiles, SimdBlas.PlainLoops })
        {
            using var scope = Blas.Use(backend);
            var predicted = Dense.Data(Propagation.Predict(network, x));
            var traced = Dense.Data(Propagation.Forward(network, x).Output);
            Assert.Equal(Bits(traced), Bits(predicted));

            // The block pass itself, also where Predict leaves a batch to the per-layer pass (fewer blocks than cores).
            Assert.Equal(Bits(traced), Bits(Inference.Predict(network, Dense.Data(x), m, backend.Width)));
            foreach (var j in new[] { 0, m / 2, m - 1 }.Distinct())
            {
                var alone = Dense.Matrix(600, 1, Dense.Data(x).AsSpan(j * 600, 600).ToArray());
                var outputs = network.Outputs;
                Assert.Equal(Bits(predicted.AsSpan(j * outputs, outputs).ToArray()), Bits(Dense.Data(Propagation.Predict(network, alone))));
            }
        }
    }

    private static Network<T> Build<T>(Activation hidden, Activation output, int inputs)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Network.Create<T>(inputs, [(64, hidden), (33, hidden), (10, output)], Initializer.XavierNormal, Rng.FromSeed(7));

    private static Matrix<T> Inputs<T>(int rows, int columns, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var data = new T[rows * columns];
        for (var i = 0; i < data.Length; i++)
        {
            // Mostly moderate values, with some large ones so that sigmoid, tanh and softmax saturate.
            data[i] = T.CreateTruncating(random.Next(50) == 0 ? (random.NextDouble() - 0.5) * 400 : (random.NextDouble() * 4) - 2);
        }

        return Dense.Matrix(rows, columns, data);
    }

    private static long[] Bits<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Array.ConvertAll(values, v => BitConverter.DoubleToInt64Bits(double.CreateTruncating(v)));
}
