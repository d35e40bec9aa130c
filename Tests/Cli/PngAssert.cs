using SkiaSharp;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary>Checks a picture a command drew: a PNG of the expected size that is not blank (many colours, most of it
/// not background).</summary>
static class PngAssert
{
    public static void IsPicture(string path, int width, int height, int minColours = 50, double maxBackground = 0.9)
    {
        Assert.True(File.Exists(path), $"{path}: not written");
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        using var bitmap = SKBitmap.Decode(bytes);
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
        var pixels = bitmap.Pixels;
        int colours = pixels.Distinct().Count();
        var background = pixels.GroupBy(p => p).MaxBy(g => g.Count())!.Count();
        Assert.True(colours >= minColours, $"{path}: {colours} colours, a blank picture?");
        Assert.True(background < maxBackground * pixels.Length, $"{path}: {100.0 * background / pixels.Length:F0}% one colour, a blank picture?");
    }
}
