using ScottPlot;
using SkiaSharp;

namespace ShuffleNetGpu.Cli.Pictures;

/// <summary>
/// <c>features --png</c>: one stage map (its channel mean, the usual first look at where a backbone responds) as a
/// semi-transparent heat map stretched over the network's input image (the 224x224 crop the map was computed from).
/// </summary>
static class StageHeatMap
{
    public const int Size = 600;

    /// <param name="input">One image of the network input: 3 planes (B, G, R) of height x width, 0..255.</param>
    /// <param name="map">One image of the stage map: channels planes of mapHeight x mapWidth.</param>
    public static void Save(ReadOnlySpan<float> input, int height, int width, ReadOnlySpan<float> map, int channels, int mapHeight, int mapWidth,
        string title, string path)
    {
        var plot = new Plot();
        using var bitmap = InputBitmap(input, height, width);
        plot.Add.ImageRect(new Image(bitmap), new CoordinateRect(0, width, 0, height));
        var heat = plot.Add.Heatmap(ChannelMean(map, channels, mapHeight, mapWidth));
        heat.Colormap = new ScottPlot.Colormaps.Turbo();
        heat.Opacity = 0.55;
        heat.Rectangle = new CoordinateRect(0, width, 0, height);
        plot.Add.ColorBar(heat).Label = "channel mean";
        plot.Axes.SetLimits(0, width, 0, height);
        foreach (var axis in new ScottPlot.IAxis[] { plot.Axes.Bottom, plot.Axes.Left }) // the image needs no coordinates
        {
            axis.TickLabelStyle.IsVisible = false;
            axis.MajorTickStyle.Length = 0;
            axis.MinorTickStyle.Length = 0;
        }
        plot.HideGrid();
        plot.Title(title, 14);
        PngFile.Save(plot, path, Size, Size);
    }

    /// <summary>The mean over channels, rows top to bottom (the heat map draws row 0 at the top, as the image).</summary>
    static double[,] ChannelMean(ReadOnlySpan<float> map, int channels, int h, int w)
    {
        var mean = new double[h, w];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    mean[y, x] += map[(c * h + y) * w + x] / (double)channels;
        return mean;
    }

    static SKBitmap InputBitmap(ReadOnlySpan<float> input, int height, int width)
    {
        var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        int plane = height * width;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                bitmap.SetPixel(x, y, new SKColor(Byte(input[2 * plane + i]), Byte(input[plane + i]), Byte(input[i])));
            }
        return bitmap;
    }

    static byte Byte(float v) => (byte)Math.Clamp(MathF.Round(v), 0, 255);
}
