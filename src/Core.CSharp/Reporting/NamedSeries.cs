using System.Collections.Immutable;

namespace Nn.Reporting;

/// <summary>
/// A named sequence of values, one per epoch (or step) — for example the training loss per epoch. Used for
/// training histories in checkpoints and for the loss curves the command line draws.
/// </summary>
public sealed record NamedSeries
{
    /// <summary>Creates a series.</summary>
    /// <param name="name">A non-empty name such as <c>training loss</c>.</param>
    /// <param name="values">The values, first epoch first (copied).</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    public NamedSeries(string name, IEnumerable<double> values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(values);
        Name = name;
        Values = [.. values];
    }

    /// <summary>The series' name.</summary>
    public string Name { get; }

    /// <summary>The values, first epoch first. May hold NaN or infinity; consumers state what they accept.</summary>
    public ImmutableArray<double> Values { get; }

    /// <inheritdoc />
    public bool Equals(NamedSeries? other) =>
        other is not null && Name == other.Name && Values.Length == other.Values.Length
        && Values.Zip(other.Values).All(p => p.First.Equals(p.Second));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Values.Length);
}
