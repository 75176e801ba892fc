using System.Numerics;
using Nn.Activations;
using Xunit.Abstractions;

namespace Nn.Tests.Activations;

/// <summary>
/// Softmax, its Jacobian entries ∂aₖ/∂zⱼ (Backward with a one-hot upstream gradient) and its second derivatives
/// ∂²aⱼ/∂zᵢ∂zₖ (BackwardTangent with one-hot da and R{z}) against exact values (<see cref="ExactActivations"/>), on
/// columns of 1 to 10 units whose logits are spread from 10⁻³⁰⁰ to 10³⁰⁰ apart.
/// </summary>
public sealed class SoftmaxAccuracyTests(ITestOutputHelper output)
{
    private static readonly double[] Spreads = [1e-300, 1e-20, 1e-5, 0.1, 1, 3, 10, 40, 100, 700, 1e5, 1e300];

    private static readonly int[] Units = [1, 2, 3, 5, 10];

    /// <summary>
    /// Bounds in ulps of the exact value: aₖ takes e^h (about 1.5 ulps), its correction, a compensated sum and a quotient;
    /// a Jacobian entry adds the errors of the two activations it is made of and three roundings. Float32 values are
    /// computed in double and rounded once, from activations that were themselves rounded to float32.
    /// </summary>
    private const double ValueBound = 4, JacobianBound = 6, FloatValueBound = 0.51, FloatJacobianBound = 2;

    /// <summary>
    /// A second derivative is a sum of two terms that can cancel (it crosses zero where aₖ = ½, for instance), so its error
    /// is bounded relative to the terms: |computed − exact| ≤ 16·(u·(|first| + |second|) + η), u the unit roundoff and η
    /// the smallest subnormal (products of tiny activations underflow, as in Higham's model of floating-point arithmetic).
    /// </summary>
    private const double SecondBound = 16;

    [Fact]
    public void Float64SoftmaxItsJacobianAndItsSecondDerivativesAreWithinAFewUlps() => Check<double>(52, ValueBound, JacobianBound);

    [Fact]
    public void Float32SoftmaxItsJacobianAndItsSecondDerivativesAreTheExactValuesRounded() => Check<float>(23, FloatValueBound, FloatJacobianBound);

    [Fact]
    public void AJacobianDiagonalNextToOneKeepsItsRelativeAccuracy()
    {
        // a₀ = 1 − ε with ε ≈ 2·e⁻⁴⁰ ≈ 8.5·10⁻¹⁸, below an ulp of 1: a₀(1 − a₀) = a₀·(a₁ + a₂) must still be ≈ 8.5·10⁻¹⁸.
        double[] z = [40, 0, 0];
        var a = new double[3];
        Activation.Softmax.Forward<double>(z, a, 3);
        var dz = new double[3];
        Activation.Softmax.Backward<double>(z, a, [1.0, 0, 0], dz, 3);
        var exact = ExactActivations.SoftmaxJacobian(ExactActivations.Softmax(z), 0, 0);
        Assert.True(exact.UlpsTo(dz[0], 52) <= JacobianBound, $"∂a₀/∂z₀ = {dz[0]}, exact {exact}");
        Assert.Equal(1.0, a[0]);
    }

    private void Check<T>(int fractionBits, double valueBound, double jacobianBound)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(20261122);
        var unit = Math.Pow(2, -fractionBits - 1);
        var underflow = Exact.From(fractionBits == 52 ? double.Epsilon : float.Epsilon);
        var (worstValue, worstJacobian, worstSecond) = (0.0, 0.0, 0.0);
        var where = (Value: string.Empty, Jacobian: string.Empty, Second: string.Empty);
        foreach (var units in Units)
        {
            foreach (var spread in Spreads)
            {
                var z = Enumerable.Range(0, units).Select(_ => T.CreateTruncating(spread * ((2 * random.NextDouble()) - 1))).ToArray();
                var zd = z.Select(double.CreateTruncating).ToArray();
                if (zd.Any(v => !double.IsFinite(v)))
                {
                    continue;
                }

                var exact = ExactActivations.Softmax(zd);
                var a = new T[units];
                Activation.Softmax.Forward<T>(z, a, units);
                for (var k = 0; k < units; k++)
                {
                    var ulps = exact[k].UlpsTo(double.CreateTruncating(a[k]), fractionBits);
                    (worstValue, where.Value) = ulps > worstValue ? (ulps, $"a[{k}] of {Show(zd)}") : (worstValue, where.Value);
                }

                for (var j = 0; j < units; j++)
                {
                    var oneHotJ = OneHot<T>(units, j);
                    var dz = new T[units];
                    Activation.Softmax.Backward<T>(z, a, oneHotJ, dz, units);
                    for (var k = 0; k < units; k++)
                    {
                        // dz = Jᵀ·eⱼ: dz_k = ∂aⱼ/∂z_k.
                        var ulps = ExactActivations.SoftmaxJacobian(exact, j, k).UlpsTo(double.CreateTruncating(dz[k]), fractionBits);
                        (worstJacobian, where.Jacobian) = ulps > worstJacobian ? (ulps, $"∂a[{j}]/∂z[{k}] of {Show(zd)}") : (worstJacobian, where.Jacobian);
                    }

                    for (var i = 0; i < units; i++)
                    {
                        var rz = OneHot<T>(units, i);
                        var ra = new T[units];
                        Activation.Softmax.ForwardTangent<T>(z, a, rz, ra, units);
                        var rdz = new T[units];
                        Activation.Softmax.BackwardTangent<T>(z, a, oneHotJ, rz, ra, new T[units], rdz, units);
                        for (var k = 0; k < units; k++)
                        {
                            // R{dz}_k along eᵢ = ∂²aⱼ/∂zᵢ∂z_k.
                            var (first, second) = ExactActivations.SoftmaxSecond(exact, j, i, k);
                            var scale = (Exact.From(unit) * (first.Abs() + second.Abs())) + underflow;
                            var error = (Exact.From(double.CreateTruncating(rdz[k])) - (first + second)).Abs();
                            var ratio = Exact.ToDouble(error / scale);
                            (worstSecond, where.Second) = ratio > worstSecond ? (ratio, $"∂²a[{j}]/∂z[{i}]∂z[{k}] of {Show(zd)}") : (worstSecond, where.Second);
                        }
                    }
                }
            }
        }

        output.WriteLine($"{typeof(T).Name}: a within {worstValue:F3} ulps ({where.Value}); Jacobian within {worstJacobian:F3} ulps ({where.Jacobian}); second derivatives within {worstSecond:F3}·(u·|terms| + η) ({where.Second})");
        Assert.True(worstValue <= valueBound, $"a: {worstValue:F3} ulps at {where.Value}");
        Assert.True(worstJacobian <= jacobianBound, $"Jacobian: {worstJacobian:F3} ulps at {where.Jacobian}");
        Assert.True(worstSecond <= SecondBound, $"second derivative: {worstSecond:F3}·(u·|terms| + η) at {where.Second}");
    }

    private static T[] OneHot<T>(int units, int at)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = new T[units];
        v[at] = T.One;
        return v;
    }

    private static string Show(double[] z) => $"z = [{string.Join(", ", z.Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)))}]";
}
