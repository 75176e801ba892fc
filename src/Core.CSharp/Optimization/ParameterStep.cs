using System.Numerics;
using System.Runtime.Intrinsics;
using Nn.Layers;
using Nn.LinearAlgebra;

namespace Nn.Optimization;

/// <summary>
/// The last pass of a training step over a flat parameter vector: θ ← θ + c·u in place (<see cref="UpdateRules.AddScaledInPlace{T}"/>),
/// split over the cores when the vector is large, and — when asked — ‖u‖₂ before anything changed it, taken by the
/// same parts: each sums the squares of its own chunks of u (<see cref="Reductions.Chunk"/> elements from each buffer's
/// start, as <see cref="Reductions.SumOfSquares{T}"/> cuts a buffer), then updates its range of θ. The chunks' sums are
/// added buffer by buffer in the tree's order exactly as <see cref="Parameters{T}.Norm"/> adds them and every element
/// of θ is rounded as the serial pass rounds it, so the split changes no bit.
/// </summary>
/// <remarks>
/// The parts are consecutive ranges of the vector in order, so with <see cref="Partitioned"/>'s home shares each core
/// updates the range of the first layer's weights whose gradient columns it has just computed, from its own cache.
/// </remarks>
internal sealed class ParameterStep<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // Parts per thread, so that a thread that starts late still finds a share to take over.
    private const int PartsPerThread = 2;

    private readonly T[] theta;
    private readonly T[] updates;
    private readonly int[] offsets;
    private readonly T[] maxima = new T[PartsPerThread * Environment.ProcessorCount];

    // Where each chunk of each buffer starts, then the total; each chunk's sum of squares of u.
    private readonly int[] chunkStarts;
    private readonly T[] chunkSums;

    /// <summary>Works on <paramref name="theta"/> and <paramref name="updates"/> (same length) whose tree buffers start at <paramref name="offsets"/> (then the total).</summary>
    public ParameterStep(T[] theta, T[] updates, int[] offsets)
    {
        this.theta = theta;
        this.updates = updates;
        this.offsets = offsets;
        var starts = new List<int>();
        for (var s = 0; s < offsets.Length - 1; s++)
        {
            for (var start = offsets[s]; start < offsets[s + 1]; start += Reductions.Chunk)
            {
                starts.Add(start);
            }
        }

        starts.Add(offsets[^1]);
        chunkStarts = [.. starts];
        chunkSums = new T[chunkStarts.Length - 1];
    }

    /// <summary>‖v‖₂ of a flat vector, its buffers' sums of squares added in the tree's order, as <see cref="Parameters{T}.Norm"/> adds them.</summary>
    public static T Norm(ReadOnlySpan<T> flat, ReadOnlySpan<int> offsets)
    {
        var sum = T.Zero;
        if (flat.Length < 4 * Vector256<T>.Count)
        {
            // A tiny network's buffers are all shorter than Reductions.SumOfSquares's vector paths, so it would sum each
            // with this scalar loop: the same bits, without a call and its checks per buffer.
            for (var s = 0; s < offsets.Length - 1; s++)
            {
                var part = T.Zero;
                for (var i = offsets[s]; i < offsets[s + 1]; i++)
                {
                    part += flat[i] * flat[i];
                }

                sum += part;
            }

            return T.Sqrt(sum);
        }

        for (var s = 0; s < offsets.Length - 1; s++)
        {
            sum += Reductions.SumOfSquares(flat[offsets[s]..offsets[s + 1]]);
        }

        return T.Sqrt(sum);
    }

    /// <summary>
    /// θ ← θ + c·u; returns max |θᵢ| afterwards (NaN when any θᵢ is NaN), and in <paramref name="gradientNorm"/> ‖u‖₂
    /// as it was before the update when <paramref name="withNorm"/> is set (else zero).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public T Apply(double c, bool withNorm, out T gradientNorm)
    {
        var threads = Partitioned.ThreadsFor<T>(theta.Length);
        if (threads == 1)
        {
            gradientNorm = withNorm ? Norm(updates, offsets) : T.Zero;
            return UpdateRules.AddScaledInPlace<T>(theta, c, updates);
        }

        var count = Math.Min(chunkSums.Length, PartsPerThread * threads);
        Partitioned.Run(new Job(this, c, withNorm), count, threads);
        gradientNorm = withNorm ? ChunkedNorm() : T.Zero;
        return Largest(count);
    }

    private T Largest(int parts)
    {
        var max = T.Zero;
        var nan = false;
        for (var p = 0; p < parts; p++)
        {
            nan |= T.IsNaN(maxima[p]);
            max = T.Max(max, maxima[p]);
        }

        return nan ? T.NaN : max;
    }

    /// <summary>‖u‖₂ from the chunks' sums of squares: each buffer's chunks added in order (as Reductions.Dot adds them), then the buffers in order.</summary>
    private T ChunkedNorm()
    {
        var sum = T.Zero;
        var chunk = 0;
        for (var s = 0; s < offsets.Length - 1; s++)
        {
            var buffer = T.Zero;
            for (var first = true; chunk < chunkSums.Length && chunkStarts[chunk] < offsets[s + 1]; chunk++, first = false)
            {
                buffer = first ? chunkSums[chunk] : buffer + chunkSums[chunk];
            }

            sum += buffer;
        }

        return T.Sqrt(sum);
    }

    /// <summary>Part p of P: the chunks from the first that starts at or after p/P of the vector up to the next part's.</summary>
    private readonly struct Job(ParameterStep<T> owner, double c, bool withNorm) : IPartitionedJob
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public void Run(int part, int count)
        {
            var chunks = owner.chunkSums.Length;
            var (first, last) = (Cut(part, count, chunks), Cut(part + 1, count, chunks));
            var starts = owner.chunkStarts;
            if (withNorm)
            {
                for (var k = first; k < last; k++)
                {
                    var chunk = owner.updates.AsSpan(starts[k], starts[k + 1] - starts[k]);
                    owner.chunkSums[k] = Reductions.DotChunk<T>(chunk, chunk);
                }
            }

            var (from, to) = (starts[first], starts[last]);
            owner.maxima[part] = to > from ? UpdateRules.AddScaledInPlace<T>(owner.theta.AsSpan(from, to - from), c, owner.updates.AsSpan(from, to - from)) : T.Zero;
        }

        private int Cut(int part, int count, int chunks)
        {
            if (part >= count)
            {
                return chunks;
            }

            // The first chunk starting at or after the target (the starts rise strictly).
            var target = (int)((long)owner.theta.Length * part / count);
            var k = Array.BinarySearch(owner.chunkStarts, 0, chunks, target);
            return k >= 0 ? k : ~k;
        }
    }
}
