using ShuffleNetGpu.Imaging.Decoding;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.IO;

namespace ShuffleNetGpu.Imaging;

/// <summary>
/// How a detector feeds an image at its own size (no crop): optionally resize so the short side is
/// <see cref="ResizeShort"/> (aspect kept; the long side capped at <see cref="MaxLong"/> when given, as detectron and
/// mmdetection do), convert to B, G, R planes of 0..255, normalise <c>(x - Mean[c]) / Std[c]</c> per channel (B, G, R
/// order; upstream's networks take mean 0 and std 1), then pad the bottom and right with zeros to multiples of
/// <see cref="PadTo"/>.
/// </summary>
/// <param name="ResizeShort">The short side after resizing, or 0 to keep the image's size.</param>
/// <param name="MaxLong">The most the long side may become (0: no cap); only with a resize.</param>
/// <param name="PadTo">Pad height and width up to multiples of this (1: no padding).</param>
/// <param name="Mean">Subtracted per channel (B, G, R); null when none was given: nothing is subtracted (for
/// ShuffleNetV2.Large, whose input has a 224 x 224 mean image subtracted, <c>NetworkInput.LoadAnySize</c> refuses a
/// null mean: see <c>MeanImageException</c>).</param>
/// <param name="Std">Divided per channel (B, G, R); each above 0.</param>
public sealed record DetectionPreprocessing(int ResizeShort, int MaxLong, int PadTo, float[]? Mean, float[] Std)
{
    /// <summary>No resize, no padding, no normalisation: the image's own pixels as upstream's networks take them.</summary>
    public static DetectionPreprocessing OwnSize => new(0, 0, 1, null, [1, 1, 1]);

    /// <summary>Throws <see cref="ShuffleNetException"/> naming the first bad field.</summary>
    public void Validate()
    {
        if (ResizeShort < 0 || ResizeShort > InputShapes.MaxSize) throw new ShuffleNetException($"resize-short {ResizeShort}: expected 0 (keep the size) to {InputShapes.MaxSize}");
        if (MaxLong < 0 || MaxLong > InputShapes.MaxSize) throw new ShuffleNetException($"max-long {MaxLong}: expected 0 (no cap) to {InputShapes.MaxSize}");
        if (MaxLong > 0 && ResizeShort == 0) throw new ShuffleNetException("max-long needs resize-short: without a resize the image keeps its size");
        if (PadTo < 1 || PadTo > 1024) throw new ShuffleNetException($"pad-to {PadTo}: expected 1 (no padding) to 1024");
        if (Mean is not (null or { Length: 3 }) || Std is not { Length: 3 }) throw new ShuffleNetException("mean and std need 3 values each (B, G, R)");
        if (Std.Any(s => !(s > 0) || float.IsInfinity(s))) throw new ShuffleNetException($"std {string.Join(",", Std)}: each value must be finite and above 0");
        if (Mean is not null && Mean.Any(m => !float.IsFinite(m))) throw new ShuffleNetException($"mean {string.Join(",", Mean)}: each value must be finite");
    }

    /// <summary>The size after the resize: the short side <see cref="ResizeShort"/> (the scale lowered so the long side
    /// is at most <see cref="MaxLong"/>), each side <c>int(side * scale + 0.5)</c>; the image's size when there is no resize.</summary>
    public (int Width, int Height) ResizedSize(int width, int height)
    {
        if (ResizeShort == 0) return (width, height);
        double scale = (double)ResizeShort / Math.Min(width, height);
        if (MaxLong > 0 && Math.Max(width, height) * scale > MaxLong) scale = (double)MaxLong / Math.Max(width, height);
        return (Math.Max(1, (int)(width * scale + 0.5)), Math.Max(1, (int)(height * scale + 0.5)));
    }

    /// <summary>The size after padding to multiples of <see cref="PadTo"/>.</summary>
    public (int Width, int Height) PaddedSize(int width, int height) =>
        ((width + PadTo - 1) / PadTo * PadTo, (height + PadTo - 1) / PadTo * PadTo);
}

/// <summary>Reads an image at its own size for the backbone (see <see cref="DetectionPreprocessing"/>).</summary>
public static class DetectionPreprocessor
{
    /// <summary>Decodes <paramref name="path"/> (as <see cref="ImagePreprocessor.Load(string, bool, long)"/> does) and preprocesses it; returns
    /// 3 x H x W floats (B, G, R planes) and H, W after resizing and padding.</summary>
    /// <exception cref="FileNotFoundException">there is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ImageFormatException">the file is not a readable image within <paramref name="maxPixels"/>, before or after the resize.</exception>
    /// <exception cref="ShuffleNetException">bad <paramref name="options"/>.</exception>
    public static (float[] Data, int Height, int Width) Load(string path, DetectionPreprocessing options, long maxPixels = ImagePreprocessor.DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        InputFile.Require(path, "an image file", message => new ImageFormatException(message));
        ImagePreprocessor.CheckMaxPixels(maxPixels);
        var (rgb, width, height) = ImageDecoder.Decode(path, maxPixels);
        var (rw, rh) = options.ResizedSize(width, height);
        var (pw, ph) = options.PaddedSize(rw, rh);
        if ((long)pw * ph > maxPixels)
            throw new ImageFormatException($"{path}: image {width}x{height} becomes {pw}x{ph} after resizing and padding: more than the limit of {maxPixels} pixels");
        byte[] resized = (rw, rh) == (width, height) ? rgb : ImagePreprocessor.ResizeLinear(rgb, width, height, 3, rw, rh);
        return (Planes(resized, rw, rh, pw, ph, options), ph, pw);
    }

    /// <summary>Interleaved RGB bytes (<paramref name="width"/> x <paramref name="height"/>) to normalised B, G, R planes
    /// of <paramref name="paddedWidth"/> x <paramref name="paddedHeight"/>, zeros in the padding.</summary>
    public static float[] Planes(ReadOnlySpan<byte> rgb, int width, int height, int paddedWidth, int paddedHeight, DetectionPreprocessing options)
    {
        ArgumentNullException.ThrowIfNull(options);
        long plane = (long)paddedWidth * paddedHeight;
        var output = new float[3 * plane];
        for (int c = 0; c < 3; c++)   // c: 0 = B (byte 2), 1 = G, 2 = R (byte 0)
        {
            float mean = options.Mean?[c] ?? 0, std = options.Std[c];
            for (int y = 0; y < height; y++)
            {
                long row = c * plane + (long)y * paddedWidth;
                for (int x = 0; x < width; x++) output[row + x] = (rgb[(y * width + x) * 3 + 2 - c] - mean) / std;
            }
        }
        return output;
    }
}
