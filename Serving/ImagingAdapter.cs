using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Imaging.Classes;

namespace ShuffleNetGpu.Serving;

/// <summary>
/// Everything the server takes from the imaging code, in one place: decoding and preprocessing an encoded image
/// exactly as <c>shufflenet classify</c> does, ImageNet's class names, and softmax.
/// </summary>
static class ImagingAdapter
{
    /// <summary>
    /// The network input (3 x 224 x 224 floats, B, G, R planes) of one encoded image (PNG, JPEG, ...), preprocessed as
    /// <c>classify</c> does (minus the Large mean for that family).
    /// </summary>
    /// <param name="encoded">The file's bytes.</param>
    /// <param name="family">The model's family (Large subtracts the mean image).</param>
    /// <param name="what">Names the image in error messages (e.g. <c>image[2]</c>).</param>
    /// <exception cref="ImageFormatException">the bytes are not a readable image (the message names <paramref name="what"/>).</exception>
    public static float[] Preprocess(ReadOnlySpan<byte> encoded, ModelFamily family, string what) =>
        ImagePreprocessor.FromEncoded(encoded, what, family == ModelFamily.Large);

    /// <summary>The name of class <paramref name="index"/>: ImageNet's for a 1000-class model, else "class N" (ImageNet's
    /// first names on a smaller model would be a made-up prediction).</summary>
    public static string ClassName(int classes, int index) => ImageNetLabels.For(classes, index);

    /// <summary>Softmax of one image's logits, in double (as <c>classify</c> computes it), rounded to float.</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        var p = new double[logits.Length];
        ShuffleNetGpu.Imaging.Classes.Softmax.Probabilities(logits, p);
        for (int i = 0; i < p.Length; i++) probabilities[i] = (float)p[i];
    }
}
