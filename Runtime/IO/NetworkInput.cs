using ShuffleNetGpu.Networks.IO;
using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Networks.Config;

namespace ShuffleNetGpu.Runtime.IO;

/// <summary>A network input read from a file: a preprocessed batch (<c>.npy</c>) or one image, preprocessed as upstream evaluates.</summary>
public static class NetworkInput
{
    /// <summary>
    /// Reads <paramref name="path"/>: a float32 <c>.npy</c> of shape [N, 3, 224, 224] (BGR 0..255, taken as it is), or
    /// an image file, decoded and preprocessed by <see cref="ImagePreprocessor"/> (with Large's mean subtracted when
    /// <paramref name="family"/> is <see cref="ModelFamily.Large"/>). Returns the batch size and the N x 3 x 224 x 224 values.
    /// </summary>
    /// <exception cref="FileNotFoundException">there is no file at <paramref name="path"/>.</exception>
    /// <exception cref="NpyFormatException">a bad .npy, or one whose shape is not N x 3 x 224 x 224.</exception>
    /// <exception cref="ImageFormatException">an image that cannot be read; an empty path or a directory.</exception>
    /// <exception cref="ShuffleNetException"><paramref name="maxPixels"/> is less than 1.</exception>
    public static (int Batch, float[] Data) Load(string path, ModelFamily family, long maxPixels = ImagePreprocessor.DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(path);
        bool npy = path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);
        InputFile.Require(path, npy ? "a .npy batch" : "a .npy batch or an image file",
            message => npy ? new NpyFormatException(message) : new ImageFormatException(message));
        ImagePreprocessor.CheckMaxPixels(maxPixels);
        if (!npy)
            return (1, ImagePreprocessor.Load(path, family == ModelFamily.Large, maxPixels));
        var (shape, data) = NpyFile.Read(path);
        if (shape.Length != 4 || shape[0] < 1 || shape[1] != 3 || shape[2] != 224 || shape[3] != 224)
            throw new NpyFormatException($"{path}: shape ({string.Join(", ", shape)}) is not N x 3 x 224 x 224");
        return (shape[0], data);
    }

    /// <summary>
    /// Reads <paramref name="path"/> at any size: a float32 <c>.npy</c> of shape [N, 3, H, W] (taken as it is), or an
    /// image file: with <paramref name="options"/> null, preprocessed as upstream evaluation does (224 x 224, as
    /// <see cref="Load"/>); otherwise at its own size by <see cref="DetectionPreprocessor"/>. ShuffleNetV2.Large was
    /// trained on upstream's 224 x 224 crops minus a 224 x 224 mean image, which fits no other geometry: an image for
    /// it at its own size needs an explicit <see cref="DetectionPreprocessing.Mean"/> (e.g. <see cref="LargeChannelMeans"/>),
    /// and none is a <see cref="MeanImageException"/>. Returns the batch size, the height and width, and the N x 3 x H x W values.
    /// </summary>
    /// <exception cref="FileNotFoundException">there is no file at <paramref name="path"/>.</exception>
    /// <exception cref="NpyFormatException">a bad .npy, or one whose shape is not N x 3 x H x W.</exception>
    /// <exception cref="ImageFormatException">an image that cannot be read; an empty path or a directory.</exception>
    /// <exception cref="MeanImageException">an image for ShuffleNetV2.Large with <paramref name="options"/> that give no mean.</exception>
    /// <exception cref="ShuffleNetException">bad <paramref name="options"/>, or <paramref name="maxPixels"/> less than 1.</exception>
    public static (int Batch, int Height, int Width, float[] Data) LoadAnySize(string path, ModelFamily family,
        DetectionPreprocessing? options, long maxPixels = ImagePreprocessor.DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(path);
        bool npy = path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);
        if (!npy && options is null)
        {
            var (n, data) = Load(path, family, maxPixels);
            return (n, ImagePreprocessor.OutputSize, ImagePreprocessor.OutputSize, data);
        }
        InputFile.Require(path, npy ? "a .npy batch" : "a .npy batch or an image file",
            message => npy ? new NpyFormatException(message) : new ImageFormatException(message));
        ImagePreprocessor.CheckMaxPixels(maxPixels);
        if (!npy)
        {
            CheckMean(path, family, options!);
            var (image, h, w) = DetectionPreprocessor.Load(path, options!, maxPixels);
            return (1, h, w, image);
        }
        var (shape, values) = NpyFile.Read(path);
        if (shape.Length != 4 || shape[0] < 1 || shape[1] != 3 || shape[2] < 1 || shape[3] < 1)
            throw new NpyFormatException($"{path}: shape ({string.Join(", ", shape)}) is not N x 3 x H x W");
        return (shape[0], shape[2], shape[3], values);
    }

    /// <summary>Throws <see cref="MeanImageException"/> (naming <paramref name="path"/>) for ShuffleNetV2.Large with
    /// <paramref name="options"/> that give no mean: its 224 x 224 mean image fits only upstream's evaluation crop.</summary>
    /// <exception cref="MeanImageException">Large and no mean.</exception>
    public static void CheckMean(string path, ModelFamily family, DetectionPreprocessing options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (family != ModelFamily.Large || options.Mean is not null) return;
        var averages = string.Join(",", LargeChannelMeans().Select(m => m.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)));
        throw new MeanImageException($"{path}: ShuffleNetV2.Large subtracts a 224x224 mean image, which fits only upstream's " +
            "224x224 evaluation crop, not an image at its own size: give the mean to subtract, e.g. its per-channel averages " +
            $"--mean {averages} (what detectors subtract) or --mean 0,0,0 for none");
    }

    /// <summary>The average of each (B, G, R) plane of ShuffleNetV2.Large's 224 x 224 mean image.</summary>
    public static float[] LargeChannelMeans()
    {
        var mean = ImagePreprocessor.LargeMean;
        int plane = mean.Length / 3;
        return [.. Enumerable.Range(0, 3).Select(c => (float)mean.AsSpan(c * plane, plane).ToArray().Average())];
    }
}
