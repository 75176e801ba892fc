using System.Buffers;
using System.Numerics;
using Nn.Activations;
using Nn.LinearAlgebra;

namespace Nn.Layers;

/// <summary>
/// The inference pass of <see cref="Propagation.Predict{T}"/> on the managed kernel, by blocks of observations: the batch
/// is cut into blocks of <see cref="BlockColumns"/> columns, and each block goes through every layer — z = W·a + b, then
/// g(z) — on one core, in two buffers of its own that stay in that core's caches, with its inputs checked for
/// finiteness just before its first product. The blocks are shared out over the cores (<see cref="Partitioned"/>);
/// each product inside a block runs on the thread that holds the block.
/// </summary>
/// <remarks>
/// <para><b>Same bits.</b> Every value is computed as the per-layer pass computes it — the bias copied into z, then the
/// managed kernel's product added with β = 1 (what <see cref="DenseKernels.Affine{T}"/> does; its own loop for tiny products
/// sums in the same order), then the activation's <see cref="Activation.Forward{T}"/> — only on fewer columns at a time. The managed kernel sums
/// each element of a product in an order fixed by the number of inputs alone, whatever the number of columns or the
/// thread, and the bias and activations compute each column from that column alone (the "Batch invariance" remarks of
/// <see cref="Propagation"/>), so the output is the same bits as the per-layer pass, as <see cref="Propagation.Forward{T}(Network{T}, MathNet.Numerics.LinearAlgebra.Matrix{T})"/>
/// and as each observation predicted alone.</para>
/// <para><b>Why blocks.</b> Layer by layer, every product is split over the cores on its own and each layer's values
/// for the whole batch (128 × 1,000 floats for a 784-128-10 network) go to memory and back between the product, the
/// bias and the activation; the cores meet once per product. By blocks, a core's values stay in its L1/L2 cache from
/// one layer to the next and the cores meet once per batch.</para>
/// <para><b>Threads.</b> A batch of fewer than <see cref="ParallelWork"/> multiply-adds stays on the calling thread,
/// and so does a network with a user's own activation (<see cref="CustomActivation"/>), whose functions are not
/// known to be safe to call from several threads at once.</para>
/// </remarks>
internal static class Inference
{
    /// <summary>Observations per block: four 12-column register tiles of the managed kernel.</summary>
    internal const int BlockColumns = 48;

    /// <summary>From this many multiply-adds in the whole batch on, the blocks are shared out over the cores.</summary>
    private const long ParallelWork = 1L << 20;

    /// <summary>Largest layer weights, in bytes, for the block pass: every block reads them all, so they must stay in L2.</summary>
    private const long CachedWeightBytes = 1L << 21;

    /// <summary>
    /// Whether the block pass runs inference of <paramref name="network"/> on <paramref name="m"/> observations here:
    /// float or double values, the products on the managed kernel (whose per-column summation order the blocks rely
    /// on; its tile <paramref name="width"/> is given), every layer's weights small enough to stay in a core's L2 cache
    /// while each block re-reads them (<see cref="CachedWeightBytes"/>), and, when the batch is worth the cores, at least
    /// one block per core. Otherwise the per-layer pass, whose products are split over the cores and pack large weights
    /// in cache-sized blocks, runs instead: same bits, and the old speed where the blocks have nothing to offer.
    /// </summary>
    public static bool Applies<T>(Network<T> network, int m, out PackedGemm.Width width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        width = PackedGemm.Width.Auto;
        if ((typeof(T) != typeof(float) && typeof(T) != typeof(double)) || Blas.Current is not SimdBlas simd)
        {
            return false;
        }

        foreach (var layer in network.Layers)
        {
            if ((long)layer.Outputs * layer.Inputs * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() > CachedWeightBytes)
            {
                return false;
            }
        }

        width = simd.Width;
        return Threads(network, MultiplyAdds(network) * m) == 1 || (m + BlockColumns - 1) / BlockColumns >= Environment.ProcessorCount;
    }

    /// <summary>
    /// ŷ for <paramref name="x"/> (inputs × m, m ≥ 1, shape already checked) on the managed kernel of
    /// <paramref name="width"/>; the finiteness of X is checked here, block by block.
    /// </summary>
    /// <exception cref="ArgumentException">X holds NaN or ±∞ (the first one in column-major order is named, as by <see cref="Guard.Finite{T}(MathNet.Numerics.LinearAlgebra.Matrix{T}, string)"/>).</exception>
    public static T[] Predict<T>(Network<T> network, T[] x, int m, PackedGemm.Width width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var output = new T[network.Outputs * m];
        var blocks = (m + BlockColumns - 1) / BlockColumns;
        var job = new Blocks<T>(network, x, m, output, width);
        Partitioned.Run(job, blocks, Threads(network, MultiplyAdds(network) * m));
        var bad = job.FirstNonFinite;
        if (bad != int.MaxValue)
        {
            throw Guard.NotFinite<T>(x[bad], bad, network.Inputs, "X");
        }

        return output;
    }

    /// <summary>Multiply-adds per observation: Σ outputs × inputs over the layers.</summary>
    private static long MultiplyAdds<T>(Network<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long work = 0;
        foreach (var layer in network.Layers)
        {
            work += (long)layer.Outputs * layer.Inputs;
        }

        return work;
    }

    /// <summary>Threads for a batch of <paramref name="work"/> multiply-adds: every core from <see cref="ParallelWork"/> on, unless a layer has a user's activation.</summary>
    private static int Threads<T>(Network<T> network, long work)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        work >= ParallelWork && !HasCustomActivation(network) ? Environment.ProcessorCount : 1;

    private static bool HasCustomActivation<T>(Network<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var layer in network.Layers)
        {
            if (layer.Activation is CustomActivation)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One block of columns through every layer: part t is columns [48t, min(48t + 48, m)).</summary>
    private readonly struct Blocks<T> : IPartitionedJob
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Network<T> network;
        private readonly T[] x;
        private readonly int m;
        private readonly T[] output;
        private readonly PackedGemm.Width width;
        private readonly int widest;

        /// <summary>The smallest index of a non-finite input found by any block, or <see cref="int.MaxValue"/>.</summary>
        private readonly int[] firstNonFinite = [int.MaxValue];

        public Blocks(Network<T> network, T[] x, int m, T[] output, PackedGemm.Width width)
        {
            (this.network, this.x, this.m, this.output, this.width) = (network, x, m, output, width);
            foreach (var layer in network.Layers)
            {
                widest = Math.Max(widest, layer.Outputs);
            }
        }

        public int FirstNonFinite => Volatile.Read(ref firstNonFinite[0]);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public void Run(int part, int parts)
        {
            var j0 = part * BlockColumns;
            var columns = Math.Min(BlockColumns, m - j0);
            var inputs = network.Inputs;
            ReadOnlySpan<T> previous = x.AsSpan(j0 * inputs, columns * inputs);
            var bad = Guard.FirstNonFinite(previous);
            if (bad >= 0)
            {
                Lower(ref firstNonFinite[0], (j0 * inputs) + bad);
                return;
            }

            var layers = network.Layers;
            var last = layers.Length - 1;
            var pool = ArrayPool<T>.Shared;
            var buffers = last == 0 ? [] : pool.Rent(2 * widest * columns);
            try
            {
                for (var l = 0; l <= last; l++)
                {
                    var layer = layers[l];
                    var n = layer.Outputs;
                    var z = l == last ? output.AsSpan(j0 * n, columns * n) : buffers.AsSpan((l & 1) * widest * columns, n * columns);
                    var bias = Dense.Data(layer.Bias);
                    for (var j = 0; j < columns; j++)
                    {
                        bias.CopyTo(z.Slice(j * n, n));
                    }

                    PackedGemm.Gemm(Transpose.No, Transpose.No, n, columns, layer.Inputs, T.One, Dense.Data(layer.Weights), n, previous, layer.Inputs, T.One, z, n, lowerOnly: false, width, split: false);
                    layer.Activation.Forward<T>(z, z, n);
                    previous = z;
                }
            }
            finally
            {
                if (last > 0)
                {
                    pool.Return(buffers);
                }
            }
        }

        /// <summary>location ← min(location, value), atomically.</summary>
        private static void Lower(ref int location, int value)
        {
            var seen = Volatile.Read(ref location);
            while (value < seen)
            {
                var found = Interlocked.CompareExchange(ref location, value, seen);
                if (found == seen)
                {
                    return;
                }

                seen = found;
            }
        }
    }
}
