using ScottPlot;
using ShuffleNetGpu.Networks.IO;

namespace ShuffleNetGpu.Cli.Pictures;

/// <summary>Saves a plot as a PNG all at once (<see cref="AtomicFileWriter"/>): never a half-written picture.</summary>
static class PngFile
{
    public static void Save(Plot plot, string path, int width, int height)
    {
        byte[] png = plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFileWriter.Write(path, stream => stream.Write(png));
    }

    /// <summary>Refuses an output that is not a .png (a usage error: the command line names it).</summary>
    public static void CheckName(string option, string path)
    {
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw new Options.UsageException($"{option}: '{path}' must end in .png");
    }
}
