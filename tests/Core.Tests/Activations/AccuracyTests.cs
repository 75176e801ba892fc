using Nn.Activations;
using Xunit.Abstractions;

namespace Nn.Tests.Activations;

/// <summary>
/// Every elementwise activation and its first and second derivative, on the span (vector) path and the scalar path,
/// against exact values (<see cref="ExactActivations"/>) at |z| from the smallest subnormal through 10⁻³⁰⁰ … 10³⁰⁸ to
/// the largest double (float32: its own range), both signs, plus dense points where the functions bend. The error is
/// measured in ulps of the exact value; the scalar path must give the span path's bits.
/// </summary>
public sealed class AccuracyTests(ITestOutputHelper output)
{
    /// <summary>
    /// Error bounds in ulps, from the operations each value takes: e^x within about 1.5 ulps (see Exponential), then up
    /// to four more roundings (1 + e, a square, a quotient, a product) of half an ulp each, and for σ″ the product of
    /// σ′ and tanh(|z|/2). Float32 values are the double values rounded once: half an ulp plus a sliver.
    /// </summary>
    private static readonly Dictionary<string, (double Value, double Slope, double Curvature)> DoubleBounds = new()
    {
        ["identity"] = (0, 0, 0),
        ["relu"] = (0, 0, 0),
        ["leaky_relu"] = (0.5, 0, 0),
        ["sigmoid"] = (3, 4, 8),
        ["tanh"] = (3, 4, 8),
    };

    private const double FloatBound = 0.51;

    public static TheoryData<string> Names => ["identity", "sigmoid", "tanh", "relu", "leaky_relu"];

    /// <summary>|z| = 0, the smallest subnormal, 10⁻³¹⁰, then 10ᵗ for t from −300 to 308 in steps of 0.25, the largest double, with both signs; and 600 points spread over [−40, 40].</summary>
    public static double[] DoubleInputs { get; } = Inputs(double.Epsilon, 1e-310, -300, 308, double.MaxValue, 40);

    /// <summary>The same for float32: the smallest subnormal, 10⁻⁴⁰, 10ᵗ for t from −38 to 38.5, the largest float, and [−20, 20].</summary>
    public static float[] FloatInputs { get; } = [.. Inputs(float.Epsilon, 1e-40, -38, 38.5, float.MaxValue, 20).Select(v => (float)v)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Float64ValuesSlopesAndCurvaturesAreWithinAFewUlpsOfTheExactValues(string name)
    {
        var g = (ElementwiseActivation)Activation.FromName(name);
        var z = DoubleInputs;
        var (value, slope, curvature) = SpanResults(g, z);
        var bounds = DoubleBounds[name];
        var worst = new Worst[3];
        for (var i = 0; i < z.Length; i++)
        {
            AssertSameBits(value[i], g.Apply(z[i]), name, "g", z[i]);
            AssertSameBits(slope[i], g.Derivative(z[i]), name, "g′", z[i]);
            AssertSameBits(curvature[i], g.SecondDerivative(z[i]), name, "g″", z[i]);
            var exact = ExactFor(name, z[i], ((LeakyReluActivation)Activation.LeakyRelu()).Slope);
            worst[0] = worst[0].Track(exact.Value.UlpsTo(value[i], 52), z[i], value[i]);
            worst[1] = worst[1].Track(exact.Slope.UlpsTo(slope[i], 52), z[i], slope[i]);
            worst[2] = worst[2].Track(exact.Curvature.UlpsTo(curvature[i], 52), z[i], curvature[i]);
        }

        Report(name, "float64", worst, [bounds.Value, bounds.Slope, bounds.Curvature]);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Float32ValuesSlopesAndCurvaturesAreTheExactValuesCorrectlyRounded(string name)
    {
        var g = (ElementwiseActivation)Activation.FromName(name);
        var z = FloatInputs;
        var (value, slope, curvature) = SpanResults(g, z);
        var worst = new Worst[3];
        for (var i = 0; i < z.Length; i++)
        {
            AssertSameBits(value[i], g.Apply(z[i]), name, "g", z[i]);
            AssertSameBits(slope[i], g.Derivative(z[i]), name, "g′", z[i]);
            AssertSameBits(curvature[i], g.SecondDerivative(z[i]), name, "g″", z[i]);

            // A float32 network's leaky ReLU uses the slope rounded to float32.
            var exact = ExactFor(name, z[i], (float)((LeakyReluActivation)Activation.LeakyRelu()).Slope);
            worst[0] = worst[0].Track(exact.Value.UlpsTo(value[i], 23), z[i], value[i]);
            worst[1] = worst[1].Track(exact.Slope.UlpsTo(slope[i], 23), z[i], slope[i]);
            worst[2] = worst[2].Track(exact.Curvature.UlpsTo(curvature[i], 23), z[i], curvature[i]);
        }

        Report(name, "float32", worst, [FloatBound, FloatBound, FloatBound]);
    }

    [Fact]
    public void TanhOfTinyArgumentsIsTheArgument()
    {
        var tanh = (ElementwiseActivation)Activation.Tanh;
        double[] z = [1e-300, -1e-200, 1e-100, 1e-16, -3e-9, 1e-5];
        var a = new double[z.Length];
        tanh.Forward<double>(z, a, 1);

        // tanh z = z − z³/3 + …: at these sizes z³/3 is below half an ulp of z except at 1e-5, where it is z·(1 − 3.3·10⁻¹¹).
        Assert.Equal(z[..5], a[..5]);
        Assert.Equal(1e-5 - (1e-15 / 3), a[5], 1e-21);
    }

    /// <summary>The span path: Forward for g, Backward with da = 1 for g′, BackwardTangent with da = R{z} = 1 and R{da} = 0 for g″.</summary>
    private static (T[] Value, T[] Slope, T[] Curvature) SpanResults<T>(ElementwiseActivation g, T[] z)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var (value, slope, curvature) = (new T[z.Length], new T[z.Length], new T[z.Length]);
        var (ones, zeros) = (Enumerable.Repeat(T.One, z.Length).ToArray(), new T[z.Length]);
        g.Forward<T>(z, value, 1);
        g.Backward<T>(z, value, ones, slope, 1);
        g.BackwardTangent<T>(z, value, ones, ones, slope, zeros, curvature, 1);
        return (value, slope, curvature);
    }

    private static (Exact Value, Exact Slope, Exact Curvature) ExactFor(string name, double z, double leakySlope) => name switch
    {
        "sigmoid" => ExactActivations.Sigmoid(z),
        "tanh" => ExactActivations.Tanh(z),
        "relu" => ExactActivations.Rectifier(z, 0, leaky: false),
        "leaky_relu" => ExactActivations.Rectifier(z, leakySlope, leaky: true),
        _ => ExactActivations.Identity(z),
    };

    private static void AssertSameBits<T>(T span, T scalar, string name, string what, T z)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Assert.True(span.Equals(scalar) && T.IsNegative(span) == T.IsNegative(scalar), $"{name}: {what}({z}) is {span} on the span path but {scalar} on the scalar path");

    private static double[] Inputs(double smallest, double subnormal, double fromPower, double toPower, double largest, double dense)
    {
        var magnitudes = new List<double> { 0, smallest, subnormal, largest };
        for (var t = fromPower; t <= toPower; t += 0.25)
        {
            magnitudes.Add(Math.Pow(10, t));
        }

        var random = new Random(20261122);
        var points = magnitudes.SelectMany(m => new[] { m, -m }).ToList();
        points.AddRange(Enumerable.Range(0, 600).Select(_ => dense * ((2 * random.NextDouble()) - 1)));
        return [.. points];
    }

    private void Report(string name, string precision, Worst[] worst, double[] bounds)
    {
        string[] what = ["g", "g′", "g″"];
        for (var k = 0; k < 3; k++)
        {
            output.WriteLine($"{name} {precision} {what[k]}: worst {worst[k].Ulps:F3} ulps at z = {worst[k].Z:R} (computed {worst[k].Computed:R}); bound {bounds[k]}");
        }

        for (var k = 0; k < 3; k++)
        {
            Assert.True(worst[k].Ulps <= bounds[k], $"{name} {precision} {what[k]}: {worst[k].Ulps:F3} ulps at z = {worst[k].Z:R} (computed {worst[k].Computed:R}), bound {bounds[k]}");
        }
    }

    private readonly record struct Worst(double Ulps, double Z, double Computed)
    {
        public Worst Track<T>(double ulps, T z, T computed)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            ulps > Ulps || double.IsNaN(ulps) ? new Worst(ulps, double.CreateTruncating(z), double.CreateTruncating(computed)) : this;
    }
}
