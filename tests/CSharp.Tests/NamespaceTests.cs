// Every public namespace of Nn.Core and Nn.Pipeline at once: this file compiles only while no namespace of one
// assembly collides with a type of the other (as `namespace Nn.Newton` once did with an F# module of that name).
using Nn;
using Nn.Activations;
using Nn.Data;
using Nn.Initialization;
using Nn.Interop;
using Nn.IO;
using Nn.Layers;
using Nn.LinearAlgebra;
using Nn.Losses;
using Nn.Models;
using Nn.Newton;
using Nn.Optimization;
using Nn.Pipeline;
using Nn.Reporting;
using Nn.Serialization;
using Nn.Training;

namespace Nn.CSharp.Tests;

public sealed class NamespaceTests
{
    private static readonly string[] Imported =
    [
        "Nn", "Nn.Activations", "Nn.Data", "Nn.Initialization", "Nn.Interop", "Nn.IO", "Nn.Layers", "Nn.LinearAlgebra",
        "Nn.Losses", "Nn.Models", "Nn.Newton", "Nn.Optimization", "Nn.Pipeline", "Nn.Reporting", "Nn.Serialization", "Nn.Training",
    ];

    [Fact]
    public void ThisFileImportsEveryPublicNamespaceOfBothAssemblies()
    {
        var namespaces = new[] { typeof(Propagation).Assembly, typeof(Trainer).Assembly }
            .SelectMany(a => a.GetExportedTypes())
            .Select(t => t.Namespace ?? string.Empty)
            .Distinct()
            .Order(StringComparer.Ordinal);
        Assert.Equal(Imported.Order(StringComparer.Ordinal), namespaces);
    }

    [Fact]
    public void NewtonsMethodAndThePipelineAreUsableSideBySide()
    {
        // A type from each namespace that once clashed, used in one expression.
        var root = NewtonMethod.Root(x => (x * x) - 2, x => 2 * x, 1.0);
        var schedule = LearningRates.Constant(0.5);
        Assert.Equal(Math.Sqrt(2), root.X, 12);
        Assert.Equal(0.5, schedule(10));
        Assert.NotNull(typeof(Batch<double>));
        Assert.NotNull(typeof(Activation));
        Assert.NotNull(typeof(DataFormatException));
        Assert.NotNull(typeof(Rng));
        Assert.NotNull(typeof(OnnxExport));
        Assert.NotNull(typeof(AtomicFile));
        Assert.NotNull(typeof(Dense));
        Assert.NotNull(typeof(Loss));
        Assert.NotNull(typeof(Model));
        Assert.NotNull(typeof(UpdateRules));
        Assert.NotNull(typeof(ModelFile));
        Assert.NotNull(typeof(NamedSeries));
        Assert.NotNull(typeof(About));
    }
}
