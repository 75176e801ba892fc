using Nn.Activations;
using Nn.Interop;
using Nn.Losses;
using Nn.Tests.Support;

namespace Nn.Tests.Interop;

public sealed class OnnxModelExportTests
{
    [Fact]
    public void ExportingAModelCarriesItsStandardisationIntoTheGraph()
    {
        var model = SampleModels.Build(Activation.Tanh, Loss.SoftmaxCrossEntropy, standardize: true, classNames: false);
        Assert.NotNull(model.Standardization);
        var expected = OnnxExport.ToBytes(model.Network, new OnnxExportOptions { Means = model.Standardization!.Means, Scales = model.Standardization.Scales });
        Assert.Equal(expected, OnnxExport.ToBytes(model));
        Assert.NotEqual(OnnxExport.ToBytes(model.Network), OnnxExport.ToBytes(model));
    }

    [Fact]
    public void ExportingAModelWithoutStandardisationIsExportingItsNetwork()
    {
        var model = SampleModels.Build(Activation.Relu, Loss.BinaryCrossEntropy, standardize: false, classNames: false);
        Assert.Equal(OnnxExport.ToBytes(model.Network), OnnxExport.ToBytes(model));
        Assert.Equal(OnnxExport.ToBytes(model.Network, new OnnxExportOptions { Precision = OnnxPrecision.Float32 }), OnnxExport.ToBytes(model, OnnxPrecision.Float32));
    }
}
