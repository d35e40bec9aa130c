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
}
