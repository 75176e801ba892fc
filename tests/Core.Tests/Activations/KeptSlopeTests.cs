using System.Numerics;
using System.Runtime.InteropServices;
using Nn.Activations;

namespace Nn.Tests.Activations;

/// <summary>
/// The sigmoid's slope kept from the forward pass for the backward pass: the forward pass gives the bits of
/// <see cref="Activation.Forward{T}"/>, and dz = da ⊙ σ′ from the kept slope gives the bits of
/// <see cref="Activation.Backward{T}"/>, for every span length up to a few vectors (body and tail), in float64 and
/// float32, on ordinary, saturated and special values (±0, ±∞, NaN, subnormal), in place as well.
/// </summary>
public sealed class KeptSlopeTests
{
    [Fact]
    public void OnlyTheSigmoidKeepsItsSlope()
    {
        Assert.True(Activation.Sigmoid.KeepsSlope);
        Assert.All(new[] { Activation.Identity, Activation.Tanh, Activation.Relu, Activation.LeakyRelu(), Activation.Softmax }, g => Assert.False(g.KeepsSlope));
        Assert.Throws<NotSupportedException>(() => Activation.Tanh.ForwardWithSlope<float>(new float[1], new float[1], new double[1]));
    }

    [Fact]
    public void Float64KeptSlopeGivesTheBitsOfForwardAndBackward() => Check<double>();

    [Fact]
    public void Float32KeptSlopeGivesTheBitsOfForwardAndBackward() => Check<float>();

    private static void Check<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Activation.Sigmoid;
        var random = new Random(3);
        T[] special =
        [
            T.Zero, T.NegativeZero, T.PositiveInfinity, T.NegativeInfinity, T.NaN, T.Epsilon, -T.Epsilon,
            T.CreateTruncating(30.0), T.CreateTruncating(-30.0), T.CreateTruncating(745.5), T.CreateTruncating(-745.5), T.CreateTruncating(1e-20),
        ];
        for (var length = 1; length <= 40; length++)
        {
            var z = new T[length];
            var da = new T[length];
            for (var i = 0; i < length; i++)
            {
                z[i] = random.Next(4) == 0 ? special[random.Next(special.Length)] : T.CreateTruncating((random.NextDouble() - 0.5) * 24);
                da[i] = random.Next(8) == 0 ? special[random.Next(special.Length)] : T.CreateTruncating(random.NextDouble() - 0.5);
            }

            var (a, dz) = (new T[length], new T[length]);
            g.Forward<T>(z, a, 1);
            g.Backward<T>(z, a, da, dz, 1);

            var (kept, slope, keptDz) = (new T[length], new double[length], new T[length]);
            g.ForwardWithSlope<T>(z, kept, slope);
            Elementwise.BackwardWithSlope<T>(slope, da, keptDz);
            SameBits<T>(a, kept, $"{typeof(T).Name}, length {length}: σ(z)");
            SameBits<T>(dz, keptDz, $"{typeof(T).Name}, length {length}: da ⊙ σ′(z)");

            // In place: a over z, dz over da.
            var (zInPlace, daInPlace, slopeInPlace) = ((T[])z.Clone(), (T[])da.Clone(), new double[length]);
            g.ForwardWithSlope<T>(zInPlace, zInPlace, slopeInPlace);
            Elementwise.BackwardWithSlope<T>(slopeInPlace, daInPlace, daInPlace);
            SameBits<T>(a, zInPlace, $"{typeof(T).Name}, length {length}: σ(z) in place");
            SameBits<T>(dz, daInPlace, $"{typeof(T).Name}, length {length}: da ⊙ σ′(z) in place");
        }
    }

    private static void SameBits<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what)
        where T : unmanaged =>
        Assert.True(MemoryMarshal.AsBytes(expected).SequenceEqual(MemoryMarshal.AsBytes(actual)), $"{what}: [{string.Join(", ", expected.ToArray())}] expected, [{string.Join(", ", actual.ToArray())}] computed");
}
