namespace Nn.Tests.Activations;

/// <summary>
/// The activations and their first and second derivatives in <see cref="Exact"/> arithmetic, written from exponentials
/// of non-positive arguments so that no step cancels: with E = e^−|z| and F = e^−2|z|,
/// σ = 1/(1 + E) (z ≥ 0) or E/(1 + E) (z &lt; 0), σ′ = E/(1 + E)², σ″ = σ′(1 − 2σ) = −sign(z)·σ′·(1 − E)/(1 + E);
/// tanh z = sign(z)·(1 − F)/(1 + F), tanh′ = 4F/(1 + F)², tanh″ = −2·tanh·tanh′. 1 − E and 1 − F are exact
/// differences here, so even at |z| = 10⁻³⁰⁰ they keep about 200 significant bits.
/// </summary>
internal static class ExactActivations
{
    public static (Exact Value, Exact Slope, Exact Curvature) Sigmoid(double z)
    {
        var e = Exact.Exp(-Exact.From(z).Abs());
        var d = Exact.One + e;
        var value = z >= 0 ? Exact.One / d : e / d;
        var slope = e / (d * d);
        var magnitude = slope * ((Exact.One - e) / d);
        return (value, slope, z >= 0 ? -magnitude : magnitude);
    }

    public static (Exact Value, Exact Slope, Exact Curvature) Tanh(double z)
    {
        var f = Exact.Exp(-(2 * Exact.From(z).Abs()));
        var d = Exact.One + f;
        var magnitude = (Exact.One - f) / d;
        var value = z >= 0 ? magnitude : -magnitude;
        var slope = 4 * f / (d * d);
        return (value, slope, -2 * (value * slope));
    }

    /// <summary>ReLU (slope 0, value +0 for z ≤ 0) or leaky ReLU with the given slope.</summary>
    public static (Exact Value, Exact Slope, Exact Curvature) Rectifier(double z, double slope, bool leaky) =>
        z > 0
            ? (Exact.From(z), Exact.One, Exact.Zero)
            : (leaky ? Exact.From(slope) * Exact.From(z) : Exact.Zero, Exact.From(slope), Exact.Zero);

    public static (Exact Value, Exact Slope, Exact Curvature) Identity(double z) => (Exact.From(z), Exact.One, Exact.Zero);

    /// <summary>softmax(z) for one column: aₖ = e^(zₖ − max z) / Σⱼ e^(zⱼ − max z), each difference exact.</summary>
    public static Exact[] Softmax(double[] z)
    {
        var max = z.Max();
        var e = z.Select(v => Exact.Exp(Exact.From(v) - Exact.From(max))).ToArray();
        var sum = e.Aggregate(Exact.Zero, (s, x) => s + x);
        return [.. e.Select(x => x / sum)];
    }

    /// <summary>The Jacobian entry ∂aₖ/∂zⱼ = aₖ(δₖⱼ − aⱼ).</summary>
    public static Exact SoftmaxJacobian(Exact[] a, int k, int j) => a[k] * ((k == j ? Exact.One : Exact.Zero) - a[j]);

    /// <summary>
    /// ∂²aₖ/∂zᵢ∂zⱼ = aₖ(δₖᵢ − aᵢ)(δₖⱼ − aⱼ) − aₖaⱼ(δⱼᵢ − aᵢ), as its two terms (the entry is their sum).
    /// </summary>
    public static (Exact First, Exact Second) SoftmaxSecond(Exact[] a, int k, int i, int j)
    {
        Exact Delta(int p, int q) => p == q ? Exact.One : Exact.Zero;
        return (a[k] * (Delta(k, i) - a[i]) * (Delta(k, j) - a[j]), -(a[k] * a[j] * (Delta(j, i) - a[i])));
    }
}
