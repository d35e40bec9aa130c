using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Imaging.Classes;
using ShuffleNetGpu.Networks.Config;

namespace ShuffleNetGpu;

// Classifying an encoded image in one call: decode and preprocess exactly as upstream evaluates
// (ImagePreprocessor), run, softmax, name the top classes (ImageNet's names for a 1000-class model).
public sealed partial class ShuffleNet
{
    /// <summary>Classifies the image file at <paramref name="path"/>: the <paramref name="top"/> most probable
    /// classes, most probable first, with their names and softmax probabilities.</summary>
    /// <param name="path">A PNG, JPEG, BMP, GIF, WebP, TGA or TIFF file.</param>
    /// <param name="top">How many classes to return (fewer if the model has fewer).</param>
    /// <param name="maxPixels">The decompression-bomb limit (width x height).</param>
    /// <exception cref="FileNotFoundException">there is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ImageFormatException">the file is not a readable image within <paramref name="maxPixels"/>.</exception>
    /// <exception cref="ShuffleNetException"><paramref name="top"/> is less than 1.</exception>
    public IReadOnlyList<Prediction> Classify(string path, int top = 5, long maxPixels = ImagePreprocessor.DefaultMaxPixels)
    {
        Softmax.CheckTop(top);
        return ClassifyInput(ImagePreprocessor.Load(path, SubtractsLargeMean, maxPixels), top);
    }

    /// <summary>Classifies an encoded image held in memory (see <see cref="Classify(string, int, long)"/>).</summary>
    /// <param name="encoded">The image file's bytes.</param>
    /// <param name="top">How many classes to return.</param>
    /// <param name="name">Names the image in error messages.</param>
    /// <param name="maxPixels">The decompression-bomb limit (width x height).</param>
    /// <exception cref="ImageFormatException">not a readable image within <paramref name="maxPixels"/>.</exception>
    /// <exception cref="ShuffleNetException"><paramref name="top"/> is less than 1.</exception>
    public IReadOnlyList<Prediction> Classify(byte[] encoded, int top = 5, string name = "image", long maxPixels = ImagePreprocessor.DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        Softmax.CheckTop(top);
        return ClassifyInput(ImagePreprocessor.FromEncoded(encoded, name, SubtractsLargeMean, maxPixels), top);
    }

    /// <summary>Classifies an encoded image read from <paramref name="image"/> to its end (see
    /// <see cref="Classify(string, int, long)"/>).</summary>
    /// <param name="image">The image file's bytes.</param>
    /// <param name="top">How many classes to return.</param>
    /// <param name="name">Names the image in error messages.</param>
    /// <param name="maxPixels">The decompression-bomb limit (width x height).</param>
    /// <exception cref="ImageFormatException">not a readable image within <paramref name="maxPixels"/>, or the stream fails.</exception>
    /// <exception cref="ShuffleNetException"><paramref name="top"/> is less than 1.</exception>
    public IReadOnlyList<Prediction> Classify(Stream image, int top = 5, string name = "image", long maxPixels = ImagePreprocessor.DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(image);
        Softmax.CheckTop(top);
        return ClassifyInput(ImagePreprocessor.Load(image, name, SubtractsLargeMean, maxPixels), top);
    }

    /// <summary>Whether this model's input is the image minus <see cref="ImagePreprocessor.LargeMean"/> (ShuffleNetV2.Large).</summary>
    public bool SubtractsLargeMean => Config.Family == ModelFamily.Large;

    IReadOnlyList<Prediction> ClassifyInput(float[] input, int top)
    {
        var logits = new float[Classes];
        Run(input, logits);
        return Prediction.Top(logits, top);
    }
}
