using System.Xml.Linq;
using Nn.Reporting;

namespace Nn.Tests.Reporting;

public sealed class LossCurveSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void TheChartIsWellFormedSvgWithOnePolylinePerSeriesAndOnePointPerValue()
    {
        NamedSeries[] series =
        [
            new("training loss", Enumerable.Range(1, 40).Select(i => 2.0 / i)),
            new("validation loss", Enumerable.Range(1, 25).Select(i => 2.2 / i + 0.05)),
            new("single", [0.7]),
        ];

        var document = XDocument.Parse(LossCurveSvg.Render(series));

        Assert.Equal(Svg + "svg", document.Root!.Name);
        var polylines = document.Descendants(Svg + "polyline").ToArray();
        Assert.Equal([40, 25, 1], polylines.Select(p => p.Attribute("points")!.Value.Split(' ').Length));
        Assert.Equal(series.Select(s => s.Name), polylines.Select(p => p.Element(Svg + "title")!.Value));
    }

    [Fact]
    public void PointsRunLeftToRightAndLowerLossesSitLowerOnThePage()
    {
        var document = XDocument.Parse(LossCurveSvg.Render([new NamedSeries("loss", [3.0, 2.0, 1.0])]));

        var points = document.Descendants(Svg + "polyline").Single().Attribute("points")!.Value.Split(' ')
            .Select(p => p.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();

        Assert.True(points[0][0] < points[1][0] && points[1][0] < points[2][0]);
        Assert.True(points[0][1] < points[1][1] && points[1][1] < points[2][1]);
        Assert.Equal(points[1][1] - points[0][1], points[2][1] - points[1][1], 1);
    }

    [Fact]
    public void ValuesSpanningDecadesGetALogScaleAndOthersALinearOne()
    {
        var log = LossCurveSvg.Render([new NamedSeries("loss", [10.0, 1.0, 0.01])]);
        var linear = LossCurveSvg.Render([new NamedSeries("loss", [0.9, 0.5, 0.3])]);

        Assert.Contains("loss (log scale)", log, StringComparison.Ordinal);
        Assert.DoesNotContain("log scale", linear, StringComparison.Ordinal);
    }

    [Fact]
    public void NamesWithMarkupCharactersAreEscaped()
    {
        var document = XDocument.Parse(LossCurveSvg.Render([new NamedSeries("loss <x & y>", [1.0, 0.5])], new LossCurveOptions { Title = "a < b" }));

        Assert.Contains(document.Descendants(Svg + "text"), t => t.Value == "loss <x & y>");
        Assert.Contains(document.Descendants(Svg + "text"), t => t.Value == "a < b");
    }

    [Fact]
    public void ANonFiniteValueIsRefusedWithItsSeriesAndIndex()
    {
        var error = Assert.Throws<ArgumentException>(() => LossCurveSvg.Render([new NamedSeries("loss", [1.0, double.PositiveInfinity])]));

        Assert.StartsWith("The series 'loss' holds Infinity at index 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALogScaleRefusesNonPositiveValues() =>
        Assert.Throws<ArgumentException>(() => LossCurveSvg.Render([new NamedSeries("loss", [1.0, 0.0])], new LossCurveOptions { YScale = AxisScale.Log }));

    [Fact]
    public void NoSeriesIsRefused() =>
        Assert.Throws<ArgumentException>(() => LossCurveSvg.Render([]));
}
