/// Loss curves for `nn train --plot`, drawn by ScottPlot (SVG or PNG, chosen by the file's extension).
module Nn.Cli.Plot

open System
open System.IO
open Nn.IO
open Nn.Reporting
open ScottPlot
open Nn.Cli.Common

/// An image format `--plot` can write.
type Format =
    /// Scalable vector graphics: text, so it diffs and renders sharply in a browser or a README.
    | Svg
    /// A PNG bitmap of Width × Height pixels.
    | Png

/// The size of the image in pixels (SVG user units).
let Width, Height = 720, 440

/// The format named by the extension of `path` (case ignored). Called when the options are read, so an unsupported
/// extension is a one-line error before any data is loaded or training starts.
let formatOf (path: string) =
    match (nonNull (Path.GetExtension path)).ToLowerInvariant() with
    | ".svg" -> Svg
    | ".png" -> Png
    | "" -> fail $"--plot {path}: the file needs an extension, .svg or .png, to say the image format"
    | other -> fail $"--plot {path}: cannot write {other} images; use .svg or .png"

/// Losses spanning two or more decades read better on a logarithmic axis (the same rule as most training dashboards).
let private wantsLogScale (values: float seq) =
    let values = Seq.toArray values

    values.Length > 0
    && Array.min values > 0.0
    && Array.max values >= 100.0 * Array.min values

/// The chart: one line per series against the epoch (1, 2, …; series may differ in length), axes labelled "epoch"
/// and "loss" (with "(log scale)" when the values span two decades or more), a legend naming the series, and
/// `title` above. Non-finite values are left out of their line.
let chart (title: string) (series: NamedSeries list) =
    let plot = new Plot()

    let log =
        series |> Seq.collect _.Values |> Seq.filter Double.IsFinite |> wantsLogScale

    for s in series do
        let points =
            s.Values
            |> Seq.mapi (fun i v -> float (i + 1), v)
            |> Seq.filter (snd >> Double.IsFinite)
            |> Seq.toArray

        let xs = points |> Array.map fst
        let ys = points |> Array.map (fun (_, v) -> if log then Math.Log10 v else v)
        let line = plot.Add.Scatter(xs, ys)
        line.LegendText <- s.Name
        line.LineWidth <- 2.0f
        // Markers show where the epochs are on short runs and would only clutter long ones.
        line.MarkerSize <- (if xs.Length <= 30 then 5.0f else 0.0f)

    let epochs = TickGenerators.NumericAutomatic(IntegerTicksOnly = true)
    plot.Axes.Bottom.TickGenerator <- epochs

    if log then
        let decades = TickGenerators.NumericAutomatic(IntegerTicksOnly = true)
        decades.MinorTickGenerator <- TickGenerators.LogMinorTickGenerator()
        decades.LabelFormatter <- fun y -> (10.0 ** y).ToString("G3", Globalization.CultureInfo.InvariantCulture)
        plot.Axes.Left.TickGenerator <- decades

    plot.Title title
    plot.XLabel "epoch"
    plot.YLabel(if log then "loss (log scale)" else "loss")
    plot.ShowLegend(Alignment.UpperRight) |> ignore
    plot

/// Draws `series` (see `chart`) and writes the image to `path` under the output policy (`Outputs.write`: atomic,
/// never over another writer's file; an existing file is replaced only with `force`).
let write (path: string) (title: string) (series: NamedSeries list) (force: bool) =
    let format = formatOf path
    let plot = chart title series

    let bytes =
        match format with
        | Svg -> Text.UTF8Encoding(false).GetBytes(plot.GetSvgXml(Width, Height))
        | Png -> plot.GetImageBytes(Width, Height, ImageFormat.Png)

    Outputs.write "--plot" (Outputs.FileTarget(path, force)) (fun stream -> stream.Write(bytes, 0, bytes.Length))
