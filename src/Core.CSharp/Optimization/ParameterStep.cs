using System.Numerics;
using System.Runtime.Intrinsics;
using Nn.Layers;
using Nn.LinearAlgebra;

namespace Nn.Optimization;

/// <summary>
/// The last pass of a training step over a flat parameter vector: θ ← θ + c·u in place (<see cref="UpdateRules.AddScaledInPlace{T}"/>),
/// split over the cores when the vector is large, and — when asked — ‖g‖₂ of the same buffer before anything changed
/// it, taken on one core while the others update θ (both only read u, so they can run side by side). Every element of
/// θ is rounded as the serial pass rounds it and the norm is summed buffer by buffer in the tree's order exactly as
/// <see cref="Parameters{T}.Norm"/> sums it, so the split changes no bit.
/// </summary>
internal sealed class ParameterStep<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // Update parts: with the norm as one more part, 3 update parts let two threads claiming parts as they come end close
    // together (the norm reads u once; an update part reads θ and u and writes θ, about 2.5 times the norm's work per
    // element, over a third of the vector).
    private const int UpdateParts = 3;

    private readonly T[] theta;
    private readonly T[] updates;
    private readonly int[] offsets;
    private readonly T[] maxima = new T[Math.Max(UpdateParts, Environment.ProcessorCount)];
    private T norm;

    /// <summary>Works on <paramref name="theta"/> and <paramref name="updates"/> (same length) whose tree buffers start at <paramref name="offsets"/> (then the total).</summary>
    public ParameterStep(T[] theta, T[] updates, int[] offsets)
    {
        this.theta = theta;
        this.updates = updates;
        this.offsets = offsets;
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

        var parts = withNorm ? UpdateParts + 1 : threads;
        Partitioned.Run(new Job(this, c, withNorm, parts), parts, threads);
        gradientNorm = withNorm ? norm : T.Zero;
        var max = T.Zero;
        var nan = false;
        var updateParts = withNorm ? UpdateParts : parts;
        for (var p = 0; p < updateParts; p++)
        {
            nan |= T.IsNaN(maxima[p]);
            max = T.Max(max, maxima[p]);
        }

        return nan ? T.NaN : max;
    }

    private readonly struct Job(ParameterStep<T> owner, double c, bool withNorm, int parts) : IPartitionedJob
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public void Run(int part, int count)
        {
            // With the norm, part 0 takes it and parts 1 … 3 the update's thirds.
            var updateParts = withNorm ? parts - 1 : parts;
            if (withNorm)
            {
                if (part == 0)
                {
                    owner.norm = Norm(owner.updates, owner.offsets);
                    return;
                }

                part--;
            }

            var from = Cut(part, updateParts);
            var length = Cut(part + 1, updateParts) - from;
            owner.maxima[part] = UpdateRules.AddScaledInPlace<T>(owner.theta.AsSpan(from, length), c, owner.updates.AsSpan(from, length));
        }

        // Shares cut at whole cache lines (64 elements).
        private int Cut(int part, int of) => part == of ? owner.theta.Length : (int)((long)owner.theta.Length * part / of) / 64 * 64;
    }
}
