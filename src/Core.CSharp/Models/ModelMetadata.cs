using System.Collections.Immutable;
using System.Reflection;

namespace Nn.Models;

/// <summary>
/// Where a trained model came from: the seed of its training run, when it was created, the Nn version that made
/// it, and free-form notes such as the optimizer and the number of epochs.
/// </summary>
public sealed record ModelMetadata
{
    /// <summary>Creates metadata from its parts.</summary>
    /// <param name="seed">The training run's seed, or null when there was none.</param>
    /// <param name="createdUtc">When the model was created; its <see cref="DateTime.Kind"/> must be <see cref="DateTimeKind.Utc"/>.</param>
    /// <param name="nnVersion">The Nn version that created the model (non-empty).</param>
    /// <param name="notes">Free-form training notes, name → text, e.g. <c>optimizer → adam</c>; null for none. Names are non-empty.</param>
    /// <exception cref="ArgumentException"><paramref name="createdUtc"/> is not UTC, <paramref name="nnVersion"/> is empty, or a note name is empty or repeated.</exception>
    public ModelMetadata(long? seed, DateTime createdUtc, string nnVersion, IEnumerable<KeyValuePair<string, string>>? notes = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nnVersion);
        if (createdUtc.Kind != DateTimeKind.Utc)
        {
            throw new ArgumentException($"createdUtc is {createdUtc.Kind} time {createdUtc:O}: it must be UTC.", nameof(createdUtc));
        }

        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in notes ?? [])
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentException("A note name is empty.", nameof(notes));
            }

            ArgumentNullException.ThrowIfNull(text, nameof(notes));
            if (!builder.TryAdd(name, text))
            {
                throw new ArgumentException($"The note '{name}' is given twice.", nameof(notes));
            }
        }

        Seed = seed;
        CreatedUtc = createdUtc;
        NnVersion = nnVersion;
        Notes = builder.ToImmutable();
    }

    /// <summary>
    /// The informational version of this Nn assembly (for example <c>0.1.0+3f2a…</c>), written into every model it
    /// creates.
    /// </summary>
    public static string CurrentNnVersion { get; } =
        typeof(ModelMetadata).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ModelMetadata).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>The training run's seed, or null.</summary>
    public long? Seed { get; }

    /// <summary>When the model was created (UTC).</summary>
    public DateTime CreatedUtc { get; }

    /// <summary>The Nn version that created the model.</summary>
    public string NnVersion { get; }

    /// <summary>Free-form training notes, in ordinal order of their names.</summary>
    public ImmutableSortedDictionary<string, string> Notes { get; }

    /// <summary>
    /// Metadata stamped now: the current UTC time (read from the system clock) and <see cref="CurrentNnVersion"/>.
    /// </summary>
    /// <param name="seed">The training run's seed, or null.</param>
    /// <param name="notes">Free-form training notes, or null.</param>
    /// <exception cref="ArgumentException">A note name is empty or repeated.</exception>
    public static ModelMetadata Create(long? seed, IEnumerable<KeyValuePair<string, string>>? notes = null) =>
        new(seed, DateTime.UtcNow, CurrentNnVersion, notes);

    /// <inheritdoc />
    public bool Equals(ModelMetadata? other) =>
        other is not null && Seed == other.Seed && CreatedUtc == other.CreatedUtc && NnVersion == other.NnVersion
        && Notes.Count == other.Notes.Count && Notes.All(n => other.Notes.TryGetValue(n.Key, out var t) && t == n.Value);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Seed, CreatedUtc, NnVersion, Notes.Count);
}
