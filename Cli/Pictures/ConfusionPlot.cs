using ScottPlot;

namespace ShuffleNetGpu.Cli.Pictures;

/// <summary>
/// <c>eval --confusion</c>: the confusion matrix of an evaluated subset, rows the true class, columns the top-1
/// prediction, each row as fractions of its images; predictions outside the subset fall into a last "other" column.
/// Up to <see cref="MaxClasses"/> classes: past that the labels cannot be read.
/// </summary>
static class ConfusionPlot
{
    public const int MaxClasses = 50;

    public static void Save(IReadOnlyList<(int Index, string Label)> classes, IEnumerable<(int Label, int Predicted)> predictions, string path)
    {
        int n = classes.Count;
        var column = classes.Select((c, i) => (c.Index, i)).ToDictionary(x => x.Index, x => x.i);
        var counts = new double[n, n + 1];
        foreach (var (label, predicted) in predictions)
            counts[column[label], column.TryGetValue(predicted, out int j) ? j : n]++;
        var fractions = new double[n, n + 1];
        for (int r = 0; r < n; r++)
        {
            double total = Enumerable.Range(0, n + 1).Sum(c => counts[r, c]);
            for (int c = 0; c <= n; c++) fractions[r, c] = total == 0 ? 0 : counts[r, c] / total;
        }

        var plot = new Plot();
        var heat = plot.Add.Heatmap(fractions);
        heat.Colormap = new ScottPlot.Colormaps.Viridis();
        heat.ManualRange = new ScottPlot.Range(0, 1);
        heat.Rectangle = new CoordinateRect(0, n + 1, 0, n); // cell edges on whole numbers, cell centres on the ticks
        plot.Add.ColorBar(heat).Label = "fraction of the row's images";
        if (n <= 20)
            for (int r = 0; r < n; r++)
                for (int c = 0; c <= n; c++)
                    if (counts[r, c] > 0)
                    {
                        var text = plot.Add.Text(counts[r, c].ToString("F0"), c + 0.5, n - r - 0.5);
                        text.LabelStyle.Alignment = Alignment.MiddleCenter;
                        text.LabelFontColor = fractions[r, c] > 0.5 ? Colors.Black : Colors.White;
                    }
        var labels = classes.Select(c => Short(c.Label)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, n + 1).Select(c => c + 0.5).ToArray(), labels.Append("other").ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, n).Select(r => n - r - 0.5).ToArray(), labels);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 40 + 6 * labels.Append("other").Max(l => l.Length); // room for the rotated labels
        plot.Axes.SetLimits(0, n + 1, 0, n);
        plot.XLabel("predicted (top-1)");
        plot.YLabel("true class");
        plot.HideGrid();
        int size = Math.Clamp(200 + 28 * n, 500, 1600);
        PngFile.Save(plot, path, size + 150, size);
    }

    static string Short(string label) => label.Length <= 18 ? label : label[..17] + "…";
}
