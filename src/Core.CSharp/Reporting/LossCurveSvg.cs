using System.Globalization;
using System.Xml.Linq;

namespace Nn.Reporting;

/// <summary>How the value axis of a loss curve is scaled.</summary>
public enum AxisScale
{
    /// <summary>Logarithmic when every value is positive and the largest is at least 100 times the smallest, linear otherwise.</summary>
    Auto,

    /// <summary>Linear.</summary>
    Linear,

    /// <summary>Logarithmic (base 10); every value must be positive.</summary>
    Log,
}

/// <summary>Titles, size and scale of a loss-curve chart.</summary>
public sealed record LossCurveOptions
{
    /// <summary>The chart title.</summary>
    public string Title { get; init; } = "Loss";

    /// <summary>The label under the horizontal axis.</summary>
    public string XLabel { get; init; } = "epoch";

    /// <summary>The label beside the vertical axis.</summary>
    public string YLabel { get; init; } = "loss";

    /// <summary>Width in pixels, at least 240.</summary>
    public int Width { get; init; } = 720;

    /// <summary>Height in pixels, at least 180.</summary>
    public int Height { get; init; } = 440;

    /// <summary>The value axis scale.</summary>
    public AxisScale YScale { get; init; } = AxisScale.Auto;
}

/// <summary>
/// Draws loss curves — one line per named series against the epoch number (1, 2, …) — as a standalone SVG
/// document with axes, tick labels, grid, legend and title, and no external dependencies (fonts are the viewer's
/// sans-serif).
/// </summary>
public static class LossCurveSvg
{
    private const double Left = 78, Right = 24, Top = 48, Bottom = 58;
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>
    /// Renders the series as an SVG document. Series k is drawn as one <c>polyline</c> with a point per value, the
    /// i-th value (0-based) at epoch i + 1; series may differ in length.
    /// </summary>
    /// <param name="series">One or more series, each with at least one value; every value finite.</param>
    /// <param name="options">Titles, size and scale; null for the defaults.</param>
    /// <returns>The SVG document as text (UTF-8 when saved; no XML declaration).</returns>
    /// <exception cref="ArgumentException">
    /// There are no series, a series is empty or holds NaN or infinity (the message names the series and the index),
    /// the size is too small, or <see cref="AxisScale.Log"/> was asked for with a value that is not positive.
    /// </exception>
    public static string Render(IReadOnlyList<NamedSeries> series, LossCurveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        options ??= new LossCurveOptions();
        Validate(series, options);
        var values = series.SelectMany(s => s.Values).ToArray();
        var (min, max) = (values.Min(), values.Max());
        var log = options.YScale == AxisScale.Log || (options.YScale == AxisScale.Auto && min > 0 && max >= 100 * min);
        var epochs = series.Max(s => s.Values.Length);
        var (width, height) = (options.Width, options.Height);
        var plot = new Plot(Left, Top, width - Left - Right, height - Top - Bottom);
        var yAxis = log ? LogAxis(min, max) : LinearAxis(min, max);
        var xAxis = EpochAxis(epochs);
        double X(double epoch) => plot.X + (plot.Width * (epoch - xAxis.Low) / (xAxis.High - xAxis.Low));
        double Y(double v) => plot.Y + plot.Height - (plot.Height * (yAxis.Map(v) - yAxis.Map(yAxis.Low)) / (yAxis.Map(yAxis.High) - yAxis.Map(yAxis.Low)));

        var svg = new XElement(
            Svg + "svg",
            new XAttribute("width", width),
            new XAttribute("height", height),
            new XAttribute("viewBox", $"0 0 {width} {height}"),
            new XAttribute("font-family", "DejaVu Sans, Helvetica, Arial, sans-serif"),
            new XAttribute("font-size", 12),
            new XElement(Svg + "rect", new XAttribute("width", width), new XAttribute("height", height), new XAttribute("fill", "white")),
            Text(width / 2.0, 28, options.Title, "middle", 16, "bold"));

        var grid = new XElement(Svg + "g", new XAttribute("stroke", "#e4e4e4"), new XAttribute("stroke-width", 1));
        var axes = new XElement(Svg + "g", new XAttribute("fill", "#333"));
        foreach (var minor in yAxis.Minor)
        {
            grid.Add(Line(plot.X, Y(minor), plot.X + plot.Width, Y(minor), "#f2f2f2"));
        }

        foreach (var (value, label) in yAxis.Ticks)
        {
            var y = Y(value);
            grid.Add(Line(plot.X, y, plot.X + plot.Width, y, null));
            axes.Add(Line(plot.X - 5, y, plot.X, y, "#333"));
            axes.Add(label.Exponent is { } exponent
                ? Power(plot.X - 8, y + 4, exponent)
                : Text(plot.X - 8, y + 4, label.Text, "end", 12, null));
        }

        foreach (var (value, label) in xAxis.Ticks)
        {
            var x = X(value);
            grid.Add(Line(x, plot.Y, x, plot.Y + plot.Height, null));
            axes.Add(Line(x, plot.Y + plot.Height, x, plot.Y + plot.Height + 5, "#333"));
            axes.Add(Text(x, plot.Y + plot.Height + 19, label.Text, "middle", 12, null));
        }

        axes.Add(new XElement(
            Svg + "rect",
            new XAttribute("x", F(plot.X)),
            new XAttribute("y", F(plot.Y)),
            new XAttribute("width", F(plot.Width)),
            new XAttribute("height", F(plot.Height)),
            new XAttribute("fill", "none"),
            new XAttribute("stroke", "#333")));
        axes.Add(Text(plot.X + (plot.Width / 2), height - 14, options.XLabel, "middle", 13, null));
        var yLabel = Text(18, plot.Y + (plot.Height / 2), options.YLabel + (log ? " (log scale)" : string.Empty), "middle", 13, null);
        yLabel.Add(new XAttribute("transform", $"rotate(-90 18 {F(plot.Y + (plot.Height / 2))})"));
        axes.Add(yLabel);
        svg.Add(grid, axes);

        var lines = new XElement(Svg + "g", new XAttribute("fill", "none"), new XAttribute("stroke-width", 2), new XAttribute("stroke-linejoin", "round"));
        for (var k = 0; k < series.Count; k++)
        {
            var points = series[k].Values.Select((v, i) => $"{F(X(i + 1))},{F(Y(v))}");
            lines.Add(new XElement(
                Svg + "polyline",
                new XAttribute("stroke", Palette[k % Palette.Length]),
                new XAttribute("points", string.Join(' ', points)),
                new XElement(Svg + "title", series[k].Name)));
            if (series[k].Values.Length == 1)
            {
                lines.Add(new XElement(Svg + "circle", new XAttribute("cx", F(X(1))), new XAttribute("cy", F(Y(series[k].Values[0]))), new XAttribute("r", 3), new XAttribute("fill", Palette[k % Palette.Length])));
            }
        }

        svg.Add(lines, Legend(series, plot));
        return svg.ToString();
    }

    private static void Validate(IReadOnlyList<NamedSeries> series, LossCurveOptions options)
    {
        if (series.Count == 0)
        {
            throw new ArgumentException("There are no series to draw.", nameof(series));
        }

        if (options.Width < 240 || options.Height < 180)
        {
            throw new ArgumentException($"The chart is {options.Width}×{options.Height} pixels but must be at least 240×180.", nameof(options));
        }

        foreach (var s in series)
        {
            ArgumentNullException.ThrowIfNull(s, nameof(series));
            if (s.Values.IsEmpty)
            {
                throw new ArgumentException($"The series '{s.Name}' has no values.", nameof(series));
            }

            for (var i = 0; i < s.Values.Length; i++)
            {
                var v = s.Values[i];
                if (!double.IsFinite(v))
                {
                    throw new ArgumentException($"The series '{s.Name}' holds {v.ToString(CultureInfo.InvariantCulture)} at index {i}: values must be finite.", nameof(series));
                }

                if (options.YScale == AxisScale.Log && v <= 0)
                {
                    throw new ArgumentException($"The series '{s.Name}' holds {v.ToString(CultureInfo.InvariantCulture)} at index {i}: a log scale needs positive values.", nameof(series));
                }
            }
        }
    }

    private static XElement Legend(IReadOnlyList<NamedSeries> series, Plot plot)
    {
        const double row = 18, pad = 8, swatch = 22;
        var textWidth = series.Max(s => s.Name.Length) * 7.2;
        var (w, h) = (pad + swatch + 6 + textWidth + pad, (pad * 2) + (row * series.Count) - 4);
        var (x, y) = (plot.X + plot.Width - w - 10, plot.Y + 10);
        var legend = new XElement(
            Svg + "g",
            new XElement(
                Svg + "rect",
                new XAttribute("x", F(x)),
                new XAttribute("y", F(y)),
                new XAttribute("width", F(w)),
                new XAttribute("height", F(h)),
                new XAttribute("fill", "white"),
                new XAttribute("fill-opacity", "0.9"),
                new XAttribute("stroke", "#bbb")));
        for (var k = 0; k < series.Count; k++)
        {
            var cy = y + pad + 7 + (row * k);
            legend.Add(new XElement(
                Svg + "line",
                new XAttribute("x1", F(x + pad)),
                new XAttribute("y1", F(cy)),
                new XAttribute("x2", F(x + pad + swatch)),
                new XAttribute("y2", F(cy)),
                new XAttribute("stroke", Palette[k % Palette.Length]),
                new XAttribute("stroke-width", 2.5)));
            legend.Add(Text(x + pad + swatch + 6, cy + 4, series[k].Name, "start", 12, null));
        }

        return legend;
    }

    /// <summary>Ticks at 1, 2, 5 × 10ᵏ steps covering [min, max]; the axis ends on ticks.</summary>
    private static Axis LinearAxis(double min, double max)
    {
        if (min == max)
        {
            var pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            (min, max) = (min - pad, max + pad);
        }

        var step = NiceStep((max - min) / 6);
        var (low, high) = (Math.Floor(min / step) * step, Math.Ceiling(max / step) * step);
        var decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step)));
        var scientific = decimals > 5 || Math.Max(Math.Abs(low), Math.Abs(high)) >= 1e6;
        var ticks = new List<(double, Label)>();
        for (var i = 0; low + (i * step) <= high + (step / 2); i++)
        {
            var v = low + (i * step);
            var text = Math.Abs(v) < step / 1e6 ? "0" : v.ToString(scientific ? "0.##E+0" : $"F{decimals}", CultureInfo.InvariantCulture);
            ticks.Add((v, new Label(text, null)));
        }

        return new Axis(low, high, v => v, ticks, []);
    }

    /// <summary>Ticks at each power of ten (labels 10ᵏ, or plain numbers from 0.001 to 10000), minor lines at 2–9 × 10ᵏ.</summary>
    private static Axis LogAxis(double min, double max)
    {
        var (lo, hi) = ((int)Math.Floor(Math.Log10(min)), (int)Math.Ceiling(Math.Log10(max)));
        if (lo == hi)
        {
            hi++;
        }

        var ticks = new List<(double, Label)>();
        var minor = new List<double>();
        for (var k = lo; k <= hi; k++)
        {
            var v = Math.Pow(10, k);
            ticks.Add((v, k is >= -3 and <= 4 ? new Label(v.ToString("0.###", CultureInfo.InvariantCulture), null) : new Label(string.Empty, k)));
            if (k < hi)
            {
                minor.AddRange(Enumerable.Range(2, 8).Select(m => m * v));
            }
        }

        return new Axis(Math.Pow(10, lo), Math.Pow(10, hi), Math.Log10, ticks, minor);
    }

    private static Axis EpochAxis(int epochs)
    {
        var high = Math.Max(epochs, 2);
        var step = Math.Max(1, NiceStep((high - 1) / 8.0));
        var ticks = new List<(double, Label)> { (1, new Label("1", null)) };
        for (var v = step; v <= high; v += step)
        {
            if (v > 1 && v - 1 >= step * 0.4)
            {
                ticks.Add((v, new Label(v.ToString(CultureInfo.InvariantCulture), null)));
            }
        }

        return new Axis(1, high, v => v, ticks, []);
    }

    private static double NiceStep(double rough)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var fraction = rough / magnitude;
        return magnitude * (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10);
    }

    private static XElement Line(double x1, double y1, double x2, double y2, string? stroke)
    {
        var line = new XElement(
            Svg + "line",
            new XAttribute("x1", F(x1)),
            new XAttribute("y1", F(y1)),
            new XAttribute("x2", F(x2)),
            new XAttribute("y2", F(y2)));
        if (stroke is not null)
        {
            line.Add(new XAttribute("stroke", stroke));
        }

        return line;
    }

    private static XElement Text(double x, double y, string text, string anchor, int size, string? weight)
    {
        var element = new XElement(
            Svg + "text",
            new XAttribute("x", F(x)),
            new XAttribute("y", F(y)),
            new XAttribute("text-anchor", anchor),
            new XAttribute("font-size", size),
            new XAttribute("stroke", "none"),
            new XAttribute("fill", "#222"),
            text);
        if (weight is not null)
        {
            element.Add(new XAttribute("font-weight", weight));
        }

        return element;
    }

    /// <summary>"10" with a raised exponent, right-aligned at x.</summary>
    private static XElement Power(double x, double y, int exponent) =>
        new(
            Svg + "text",
            new XAttribute("x", F(x)),
            new XAttribute("y", F(y)),
            new XAttribute("text-anchor", "end"),
            new XAttribute("stroke", "none"),
            new XAttribute("fill", "#222"),
            "10",
            new XElement(Svg + "tspan", new XAttribute("dy", -6), new XAttribute("font-size", 9), exponent.ToString(CultureInfo.InvariantCulture).Replace('-', '−')));

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private sealed record Plot(double X, double Y, double Width, double Height);

    private sealed record Label(string Text, int? Exponent);

    private sealed record Axis(double Low, double High, Func<double, double> Map, List<(double Value, Label Label)> Ticks, List<double> Minor);
}
