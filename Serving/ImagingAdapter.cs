using System.Reflection;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Runtime.Imaging;

namespace ShuffleNetGpu.Serving;

/// <summary>
/// Everything the server takes from the imaging code, in one place: decoding and preprocessing an encoded image
/// exactly as <c>shufflenet classify</c> does, ImageNet's class names, and softmax. The imaging code is moving into
/// its own project; only this file changes when it does.
/// </summary>
static class ImagingAdapter
{
    /// <summary>
    /// The network input (3 x 224 x 224 floats, B, G, R planes) of one encoded image (PNG, JPEG, ...), through the same
    /// <see cref="ImagePreprocessor.Load"/> call <c>classify</c> makes (minus the Large mean for that family). That
    /// API reads files, so the bytes pass through a private temporary file, deleted at once.
    /// </summary>
    /// <param name="encoded">The file's bytes.</param>
    /// <param name="family">The model's family (Large subtracts the mean image).</param>
    /// <param name="what">Names the image in error messages (e.g. <c>image[2]</c>).</param>
    /// <exception cref="ImageFormatException">the bytes are not a readable image (the message names <paramref name="what"/>).</exception>
    public static float[] Preprocess(ReadOnlySpan<byte> encoded, ModelFamily family, string what)
    {
        string path = Path.Combine(Path.GetTempPath(), $"shufflenet-serve-{Guid.NewGuid():N}.img");
        try
        {
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
                file.Write(encoded);
            return ImagePreprocessor.Load(path, family == ModelFamily.Large);
        }
        catch (ImageFormatException e)
        {
            // The message starts with the temporary path; the client knows the image by its place in the request.
            throw new ImageFormatException(what + e.Message[path.Length..]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The name of class <paramref name="index"/>: ImageNet's for a 1000-class model, else "class N" (ImageNet's
    /// first names on a smaller model would be a made-up prediction).</summary>
    public static string ClassName(int classes, int index) =>
        classes == ImageNetNames.Value.Length ? ImageNetNames.Value[index] : $"class {index}";

    static readonly Lazy<string[]> ImageNetNames = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("imagenet_classes.txt")
            ?? throw new ShuffleNetException("embedded resource imagenet_classes.txt is missing from the serving assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.TrimEntries).Where(l => l.Length > 0).ToArray();
    });

    /// <summary>Softmax of one image's logits, in double (as <c>classify</c> computes it), rounded to float.</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        double max = double.NegativeInfinity;
        foreach (var v in logits) max = Math.Max(max, v);
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += Math.Exp(logits[i] - max);
        for (int i = 0; i < logits.Length; i++) probabilities[i] = (float)(Math.Exp(logits[i] - max) / sum);
    }
}
