using ScottPlot;

namespace ShuffleNetGpu.Cli.Pictures;

/// <summary>One measured point of <c>bench</c>: a model on a backend at a batch size.</summary>
sealed record BenchPoint(string Model, string Backend, int Batch, double ImagesPerSecond);

/// <summary><c>bench --plot</c>: images/s against batch size (a log-2 axis), one line per model and backend.</summary>
static class BenchPlot
{
    public const int Width = 800, Height = 500;

    public static void Save(IReadOnlyList<BenchPoint> points, string path, string device)
    {
        var plot = new Plot();
        foreach (var line in points.GroupBy(p => (p.Model, p.Backend)))
        {
            var sorted = line.OrderBy(p => p.Batch).ToArray();
            var scatter = plot.Add.Scatter(sorted.Select(p => Math.Log2(p.Batch)).ToArray(), sorted.Select(p => p.ImagesPerSecond).ToArray());
            scatter.LegendText = $"{line.Key.Model} on {line.Key.Backend}";
            scatter.LineWidth = 2;
            scatter.MarkerSize = 7;
        }
        int[] batches = points.Select(p => p.Batch).Distinct().Order().ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            batches.Select(b => Math.Log2(b)).ToArray(), batches.Select(b => b.ToString()).ToArray());
        plot.XLabel("batch size");
        plot.YLabel("images/s (end to end, median)");
        plot.Title($"shufflenet bench (this run: {device})", 12);
        plot.Axes.AutoScale();
        plot.Axes.SetLimitsY(0, points.Max(p => p.ImagesPerSecond) * 1.1);
        plot.ShowLegend(Edge.Bottom); // outside the data: never over a point
        PngFile.Save(plot, path, Width, Height);
    }
}
