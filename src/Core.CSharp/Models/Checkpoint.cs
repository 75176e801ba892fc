using System.Collections.Immutable;
using Nn.Initialization;
using Nn.Layers;
using Nn.Reporting;

namespace Nn.Models;

/// <summary>
/// A training run saved part-way: the model as it stands (its network holds the current parameters) and the
/// <see cref="TrainingState"/> needed to continue exactly where it stopped. Saved and loaded by
/// <see cref="Serialization.CheckpointFile"/>.
/// </summary>
public sealed record Checkpoint
{
    /// <summary>Creates a checkpoint, checking that every optimizer array has the network's parameter shape.</summary>
    /// <param name="model">The model with the current parameters.</param>
    /// <param name="state">The training state.</param>
    /// <exception cref="ArgumentException">An optimizer array's shape differs from the network's parameters; the message names the array.</exception>
    public Checkpoint(Model model, TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        var parameters = model.Network.Parameters;
        foreach (var array in state.OptimizerArrays)
        {
            try
            {
                parameters.CheckSameShape(array.Value);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"The optimizer array '{array.Name}' does not have the network's parameter shape: {e.Message}", nameof(state), e);
            }
        }

        Model = model;
        State = state;
    }

    /// <summary>The model with the current parameters.</summary>
    public Model Model { get; }

    /// <summary>Where training stands.</summary>
    public TrainingState State { get; }
}

/// <summary>One named optimizer array (for example Adam's first moment <c>m</c>), shaped like the network's parameters.</summary>
public sealed record NamedParameters
{
    /// <summary>Creates a named array.</summary>
    /// <param name="name">A non-empty name.</param>
    /// <param name="value">The values, finite, in the parameter tree's shape.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or a value is not finite.</exception>
    public NamedParameters(string name, Parameters<double> value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!value.IsFinite())
        {
            throw new ArgumentException($"The optimizer array '{name}' holds a non-finite value.", nameof(value));
        }

        Name = name;
        Value = value;
    }

    /// <summary>The array's name.</summary>
    public string Name { get; }

    /// <summary>The values (shares the caller's matrices: do not mutate).</summary>
    public Parameters<double> Value { get; }
}

/// <summary>
/// Everything besides the parameters that a training loop needs to resume exactly: the epoch and step counters,
/// the random generator, the optimizer's state in a generic form (named arrays shaped like the parameters, and named
/// scalars) and the history recorded so far.
/// </summary>
/// <remarks>All numbers are finite (a JSON file cannot hold NaN or infinity), which the constructor checks.</remarks>
public sealed record TrainingState
{
    /// <summary>Creates a training state.</summary>
    /// <param name="epoch">Completed epochs, ≥ 0.</param>
    /// <param name="step">Completed optimizer steps, ≥ 0.</param>
    /// <param name="rng">The generator to continue from (e.g. for the next shuffle).</param>
    /// <param name="optimizer">The optimizer's name, e.g. <c>adam</c>, non-empty.</param>
    /// <param name="optimizerArrays">The optimizer's arrays in order, with distinct names; null for none.</param>
    /// <param name="optimizerScalars">The optimizer's scalars, name → finite value (e.g. a step count); null for none.</param>
    /// <param name="history">Recorded series (e.g. training loss per epoch) with distinct names and finite values; null for none.</param>
    /// <exception cref="ArgumentException">A counter is negative, a name is empty or repeated, or a value is not finite.</exception>
    public TrainingState(
        int epoch,
        long step,
        Rng rng,
        string optimizer,
        IEnumerable<NamedParameters>? optimizerArrays = null,
        IEnumerable<KeyValuePair<string, double>>? optimizerScalars = null,
        IEnumerable<NamedSeries>? history = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentException.ThrowIfNullOrWhiteSpace(optimizer);
        ImmutableArray<NamedParameters> arrays = [.. optimizerArrays ?? []];
        CheckDistinct(arrays.Select(a => a.Name), "optimizer array", nameof(optimizerArrays));
        var scalars = ImmutableSortedDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
        foreach (var (name, value) in optimizerScalars ?? [])
        {
            if (string.IsNullOrWhiteSpace(name) || !double.IsFinite(value) || !scalars.TryAdd(name, value))
            {
                throw new ArgumentException($"The optimizer scalar '{name}' = {value} is unnamed, repeated or not finite.", nameof(optimizerScalars));
            }
        }

        ImmutableArray<NamedSeries> series = [.. history ?? []];
        CheckDistinct(series.Select(s => s.Name), "history series", nameof(history));
        foreach (var s in series)
        {
            for (var i = 0; i < s.Values.Length; i++)
            {
                if (!double.IsFinite(s.Values[i]))
                {
                    throw new ArgumentException($"The history series '{s.Name}' holds {s.Values[i].ToString(System.Globalization.CultureInfo.InvariantCulture)} at index {i}: values must be finite.", nameof(history));
                }
            }
        }

        Epoch = epoch;
        Step = step;
        Rng = rng;
        Optimizer = optimizer;
        OptimizerArrays = arrays;
        OptimizerScalars = scalars.ToImmutable();
        History = series;
    }

    /// <summary>Completed epochs.</summary>
    public int Epoch { get; }

    /// <summary>Completed optimizer steps.</summary>
    public long Step { get; }

    /// <summary>The generator to continue from.</summary>
    public Rng Rng { get; }

    /// <summary>The optimizer's name.</summary>
    public string Optimizer { get; }

    /// <summary>The optimizer's arrays, in order.</summary>
    public ImmutableArray<NamedParameters> OptimizerArrays { get; }

    /// <summary>The optimizer's scalars, in ordinal order of their names.</summary>
    public ImmutableSortedDictionary<string, double> OptimizerScalars { get; }

    /// <summary>The recorded history series, in order.</summary>
    public ImmutableArray<NamedSeries> History { get; }

    private static void CheckDistinct(IEnumerable<string> names, string what, string argument)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!seen.Add(name))
            {
                throw new ArgumentException($"The {what} '{name}' is given twice.", argument);
            }
        }
    }
}
