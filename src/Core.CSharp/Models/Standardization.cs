using System.Collections.Immutable;
using MathNet.Numerics.LinearAlgebra;
using Nn.Layers;
using Nn.LinearAlgebra;

namespace Nn.Models;

/// <summary>
/// Per-feature standardisation x′ᵢ = (xᵢ − μᵢ) / sᵢ, fitted on training data and then applied unchanged to any
/// data the model sees (validation, test, production), so that every input is scaled exactly as in training.
/// </summary>
/// <remarks>
/// The means μ and scales s have one entry per feature (input row). Every mean is finite and every scale is finite
/// and positive; a feature that is constant in the training data gets scale 1, so it maps to 0 instead of to a
/// division by zero. Built only through the constructor or <see cref="Fit"/>, both of which validate.
/// </remarks>
public sealed record Standardization
{
    /// <summary>Creates a standardisation from its per-feature means and scales.</summary>
    /// <param name="means">μ, one per feature, finite.</param>
    /// <param name="scales">s, one per feature, finite and positive.</param>
    /// <exception cref="ArgumentException">The lists are empty or differ in length, a mean is not finite, or a scale is not finite and positive; the message names the feature.</exception>
    public Standardization(IEnumerable<double> means, IEnumerable<double> scales)
    {
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(scales);
        ImmutableArray<double> mu = [.. means];
        ImmutableArray<double> s = [.. scales];
        if (mu.IsEmpty)
        {
            throw new ArgumentException("A standardisation needs at least one feature but means is empty.", nameof(means));
        }

        if (s.Length != mu.Length)
        {
            throw new ArgumentException($"There are {mu.Length} means but {s.Length} scales.", nameof(scales));
        }

        for (var i = 0; i < mu.Length; i++)
        {
            if (!double.IsFinite(mu[i]))
            {
                throw new ArgumentException($"means[{i}] is {Guard.Format(mu[i])}: means must be finite.", nameof(means));
            }

            if (!double.IsFinite(s[i]) || s[i] <= 0)
            {
                throw new ArgumentException($"scales[{i}] is {Guard.Format(s[i])}: scales must be finite and positive.", nameof(scales));
            }
        }

        Means = mu;
        Scales = s;
    }

    /// <summary>μ: the mean of each feature in the training data.</summary>
    public ImmutableArray<double> Means { get; }

    /// <summary>s: the standard deviation of each feature in the training data, or 1 where that is zero.</summary>
    public ImmutableArray<double> Scales { get; }

    /// <summary>The number of features.</summary>
    public int Features => Means.Length;

    /// <summary>
    /// Fits μᵢ = (1/m)·Σⱼ xᵢⱼ and sᵢ = √((1/m)·Σⱼ (xᵢⱼ − μᵢ)²) (the population standard deviation) on training data;
    /// a feature whose m values are all equal gets μᵢ equal to that value and sᵢ = 1. Fit on the training part only,
    /// then apply the result to every part. Values up to the largest double are handled: when the plain sums
    /// overflow, the moments are computed on values divided by the largest magnitude.
    /// </summary>
    /// <param name="x">Training inputs, features × samples, finite, at least one column. Not modified. The sums run in
    /// float64 whatever the precision of <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="x"/> has no rows or columns, or holds a non-finite value (the message names its row and column).</exception>
    public static Standardization Fit<T>(Matrix<T> x)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        var (features, m) = (x.RowCount, x.ColumnCount);
        if (features == 0 || m == 0)
        {
            throw new ArgumentException($"x is {features}×{m}: fitting a standardisation needs at least one feature and one sample.", nameof(x));
        }

        var data = Dense.Data(Dense.Ensure(x));
        CheckFinite(data, features, nameof(x));
        var means = new double[features];
        var scales = new double[features];
        for (var i = 0; i < features; i++)
        {
            var (first, constant, sum) = (double.CreateTruncating(data[i]), true, 0.0);
            for (var j = 0; j < m; j++)
            {
                var v = double.CreateTruncating(data[i + (j * features)]);
                sum += v;
                constant &= v == first;
            }

            if (constant)
            {
                // The rounded mean of equal values need not equal them; use the value itself so it maps to exactly 0.
                (means[i], scales[i]) = (first, 1.0);
                continue;
            }

            var mean = sum / m;
            var squares = 0.0;
            for (var j = 0; j < m; j++)
            {
                var d = double.CreateTruncating(data[i + (j * features)]) - mean;
                squares += d * d;
            }

            var scale = Math.Sqrt(squares / m);
            if (!double.IsFinite(mean) || !double.IsFinite(scale))
            {
                (mean, scale) = ScaledMoments(data, i, features, m);
            }

            (means[i], scales[i]) = (mean, scale > 0 ? scale : 1.0);
        }

        return new Standardization(means, scales);
    }

    /// <summary>
    /// μ and σ of feature <paramref name="i"/> computed on values divided by M = max |x|, then scaled back, for data
    /// so large (beyond about 1e154) that the plain sums or squares overflow: μ = M·mean(x/M), σ = M·√mean((x/M − μ/M)²).
    /// Used only when the plain computation is not finite, so ordinary data keeps its exact plain moments.
    /// </summary>
    private static (double Mean, double Scale) ScaledMoments<T>(T[] data, int i, int features, int m)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var largest = 0.0;
        for (var j = 0; j < m; j++)
        {
            largest = Math.Max(largest, Math.Abs(double.CreateTruncating(data[i + (j * features)])));
        }

        var sum = 0.0;
        for (var j = 0; j < m; j++)
        {
            sum += double.CreateTruncating(data[i + (j * features)]) / largest;
        }

        var mean = sum / m;
        var squares = 0.0;
        for (var j = 0; j < m; j++)
        {
            var d = (double.CreateTruncating(data[i + (j * features)]) / largest) - mean;
            squares += d * d;
        }

        return (mean * largest, Math.Sqrt(squares / m) * largest);
    }

    /// <summary>
    /// (x − μ) / s for every feature (row) and sample (column), as a new features × samples matrix of x's precision
    /// (computed in float64, then rounded once to T).
    /// </summary>
    /// <param name="x">Inputs, features × samples, finite. Not modified.</param>
    /// <exception cref="ArgumentException"><paramref name="x"/> has a different number of rows than <see cref="Features"/>, or holds a non-finite value.</exception>
    public Matrix<T> Apply<T>(Matrix<T> x)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.RowCount != Features)
        {
            throw new ArgumentException($"x has {x.RowCount} rows but the standardisation was fitted on {Features} features.", nameof(x));
        }

        var data = Dense.Data(Dense.Ensure(x));
        CheckFinite(data, Features, nameof(x));
        var result = new T[data.Length];
        for (var k = 0; k < data.Length; k++)
        {
            var i = k % Features;
            var value = double.CreateTruncating(data[k]);
            var standardised = (value - Means[i]) / Scales[i];
            if (!double.IsFinite(standardised))
            {
                // x − μ overflowed (values near ±1.8e308 of opposite signs): divide first.
                standardised = (value / Scales[i]) - (Means[i] / Scales[i]);
            }

            result[k] = T.CreateTruncating(standardised);
        }

        return Dense.Matrix(Features, x.ColumnCount, result);
    }

    /// <inheritdoc />
    public bool Equals(Standardization? other) =>
        other is not null && Means.SequenceEqual(other.Means) && Scales.SequenceEqual(other.Scales);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Features, Means.FirstOrDefault(), Scales.FirstOrDefault());

    private static void CheckFinite<T>(T[] data, int rows, string argument)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var k = Guard.FirstNonFinite<T>(data);
        if (k >= 0)
        {
            throw new ArgumentException($"{argument}[{k % rows}, {k / rows}] is {Guard.Format(data[k])}: values must be finite.", argument);
        }
    }
}
