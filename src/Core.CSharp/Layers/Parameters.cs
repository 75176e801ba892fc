using System.Collections.Immutable;
using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;
using Nn.LinearAlgebra;

namespace Nn.Layers;

/// <summary>Maps one span onto another of the same length (<paramref name="result"/> may alias <paramref name="x"/>).</summary>
public delegate void SpanMap<T>(ReadOnlySpan<T> x, Span<T> result);

/// <summary>Combines two spans elementwise into a third (<paramref name="result"/> may alias an input).</summary>
public delegate void SpanMap2<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result);

/// <summary>Combines three spans elementwise into a fourth (<paramref name="result"/> may alias an input).</summary>
public delegate void SpanMap3<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> z, Span<T> result);

/// <summary>The weights and bias of one dense layer, or a gradient or update of the same shape.</summary>
/// <param name="Weights">outputs × inputs.</param>
/// <param name="Bias">outputs.</param>
public sealed record LayerParameters<T>(Matrix<T> Weights, Vector<T> Bias)
    where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>;

/// <summary>
/// The parameter tree of a network — one <see cref="LayerParameters{T}"/> per layer. Gradients and optimizer
/// updates have exactly this shape, and applying an update is addition: θ ← θ + u.
/// </summary>
/// <remarks>
/// Every operation returns a new value and leaves its inputs untouched. The flat order (used by
/// <see cref="ToArray"/>, <see cref="FromArray"/> and the gradient check) is layer by layer, weights in
/// column-major order, then the bias.
/// </remarks>
public sealed record Parameters<T>
    where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    private readonly ImmutableArray<LayerParameters<T>> layers;

    /// <summary>Creates a parameter tree from per-layer parameters.</summary>
    public Parameters(IEnumerable<LayerParameters<T>> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        Layers = [.. layers];
    }

    /// <summary>The per-layer parameters, first layer first.</summary>
    public ImmutableArray<LayerParameters<T>> Layers
    {
        get => layers;
        init
        {
            if (value.IsDefault)
            {
                throw new ArgumentNullException(nameof(Layers));
            }

            foreach (var layer in value)
            {
                ArgumentNullException.ThrowIfNull(layer, nameof(Layers));
                if (layer.Bias.Count != layer.Weights.RowCount)
                {
                    throw new ArgumentException($"A layer's weights are {layer.Weights.RowCount}×{layer.Weights.ColumnCount} but its bias has length {layer.Bias.Count}.", nameof(Layers));
                }
            }

            layers = [.. value.Select(l => new LayerParameters<T>(Dense.Ensure(l.Weights), Dense.Ensure(l.Bias)))];
        }
    }

    /// <summary>The number of scalar parameters.</summary>
    public int Count => layers.Sum(l => (l.Weights.RowCount * l.Weights.ColumnCount) + l.Bias.Count);

    /// <summary>The flat buffers of the tree, in flat order: W₁, b₁, W₂, b₂, ….</summary>
    public IEnumerable<T[]> Buffers => layers.SelectMany(l => new[] { Dense.Data(l.Weights), Dense.Data(l.Bias) });

    /// <summary>A tree of the same shape filled with zeros.</summary>
    public Parameters<T> ZerosLike() => Map(static (_, r) => r.Clear());

    /// <summary>The same tree in another precision (each value rounded to the nearest TOut), as new buffers.</summary>
    public Parameters<TOut> Convert<TOut>()
        where TOut : unmanaged, System.Numerics.IFloatingPointIeee754<TOut> =>
        new(layers.Select(l => new LayerParameters<TOut>(Dense.Convert<T, TOut>(l.Weights), Dense.Vector(Array.ConvertAll(Dense.Data(l.Bias), TOut.CreateTruncating)))));

    /// <summary>A tree of the same shape with every value <paramref name="value"/> (rounded to T).</summary>
    public Parameters<T> FullLike(double value)
    {
        var v = T.CreateTruncating(value);
        return Map((_, r) => r.Fill(v));
    }

    /// <summary>θ + other, elementwise.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public Parameters<T> Add(Parameters<T> other) => Map2(other, static (x, y, r) => TensorPrimitives.Add(x, y, r));

    /// <summary>α·θ, elementwise.</summary>
    public Parameters<T> Scale(T alpha) => Map((x, r) => TensorPrimitives.Multiply(x, alpha, r));

    /// <summary>θ + α·other, elementwise.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public Parameters<T> AddScaled(T alpha, Parameters<T> other) => Map2(other, (x, y, r) => TensorPrimitives.MultiplyAdd(y, alpha, x, r));

    /// <summary>Σ θᵢ·otherᵢ over every scalar parameter.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public T Dot(Parameters<T> other)
    {
        CheckSameShape(other);
        var sum = T.Zero;
        foreach (var (x, y) in Buffers.Zip(other.Buffers))
        {
            sum += Reductions.Dot<T>(x, y);
        }

        return sum;
    }

    /// <summary>
    /// The Euclidean norm ‖θ‖₂ over every scalar parameter (NaN if any value is NaN): the buffers' sums of squares
    /// (<see cref="Reductions.SumOfSquares{T}"/>) added in flat order, then the square root.
    /// </summary>
    public T Norm() => T.Sqrt(Buffers.Aggregate(T.Zero, static (s, b) => s + Reductions.SumOfSquares<T>(b)));

    /// <summary>True when every value is finite.</summary>
    public bool IsFinite() => Buffers.All(AllFinite);

    /// <summary>A new tree with <paramref name="map"/> applied to each flat buffer.</summary>
    public Parameters<T> Map(SpanMap<T> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return Build((i, rw, rb) =>
        {
            map(Dense.Data(layers[i].Weights), rw);
            map(Dense.Data(layers[i].Bias), rb);
        });
    }

    /// <summary>A new tree with <paramref name="map"/> applied to matching buffers of this tree and <paramref name="other"/>.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public Parameters<T> Map2(Parameters<T> other, SpanMap2<T> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        CheckSameShape(other);
        return Build((i, rw, rb) =>
        {
            map(Dense.Data(layers[i].Weights), Dense.Data(other.layers[i].Weights), rw);
            map(Dense.Data(layers[i].Bias), Dense.Data(other.layers[i].Bias), rb);
        });
    }

    /// <summary>A new tree with <paramref name="map"/> applied to matching buffers of three trees.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public Parameters<T> Map3(Parameters<T> second, Parameters<T> third, SpanMap3<T> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        CheckSameShape(second);
        CheckSameShape(third);
        return Build((i, rw, rb) =>
        {
            map(Dense.Data(layers[i].Weights), Dense.Data(second.layers[i].Weights), Dense.Data(third.layers[i].Weights), rw);
            map(Dense.Data(layers[i].Bias), Dense.Data(second.layers[i].Bias), Dense.Data(third.layers[i].Bias), rb);
        });
    }

    /// <summary>Every scalar parameter in flat order, copied into a new array.</summary>
    public T[] ToArray()
    {
        var result = new T[Count];
        var offset = 0;
        foreach (var buffer in Buffers)
        {
            buffer.CopyTo(result, offset);
            offset += buffer.Length;
        }

        return result;
    }

    /// <summary>A tree of this shape holding <paramref name="values"/> in flat order (copied).</summary>
    /// <exception cref="ArgumentException">The number of values differs from <see cref="Count"/>.</exception>
    public Parameters<T> FromArray(ReadOnlySpan<T> values)
    {
        if (values.Length != Count)
        {
            throw new ArgumentException($"The parameters have {Count} values but {values.Length} were given.", nameof(values));
        }

        var result = ZerosLike();
        var offset = 0;
        foreach (var buffer in result.Buffers)
        {
            values.Slice(offset, buffer.Length).CopyTo(buffer);
            offset += buffer.Length;
        }

        return result;
    }

    /// <summary>Throws unless <paramref name="other"/> has exactly this tree's shape.</summary>
    /// <exception cref="ArgumentException">The number of layers or a layer's shape differs.</exception>
    public void CheckSameShape(Parameters<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.layers.Length != layers.Length)
        {
            throw new ArgumentException($"Parameter trees differ: {layers.Length} layers against {other.layers.Length}.", nameof(other));
        }

        for (var i = 0; i < layers.Length; i++)
        {
            var (a, b) = (layers[i].Weights, other.layers[i].Weights);
            if (a.RowCount != b.RowCount || a.ColumnCount != b.ColumnCount)
            {
                throw new ArgumentException($"Parameter trees differ at layer {i + 1}: weights {a.RowCount}×{a.ColumnCount} against {b.RowCount}×{b.ColumnCount}.", nameof(other));
            }
        }
    }

    private static bool AllFinite(T[] buffer)
    {
        foreach (var v in buffer)
        {
            if (!T.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    private Parameters<T> Build(Action<int, T[], T[]> fill)
    {
        var result = ImmutableArray.CreateBuilder<LayerParameters<T>>(layers.Length);
        for (var i = 0; i < layers.Length; i++)
        {
            var w = new T[layers[i].Weights.RowCount * layers[i].Weights.ColumnCount];
            var b = new T[layers[i].Bias.Count];
            fill(i, w, b);
            result.Add(new LayerParameters<T>(Dense.Matrix(layers[i].Weights.RowCount, layers[i].Weights.ColumnCount, w), Dense.Vector(b)));
        }

        return new Parameters<T>(result.MoveToImmutable());
    }
}
