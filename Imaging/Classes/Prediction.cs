namespace ShuffleNetGpu.Imaging.Classes;

/// <summary>One class of a classification: its index, its name and its softmax probability.</summary>
/// <param name="Class">The class index (the logit's position).</param>
/// <param name="Label">The class name (ImageNet's for a 1000-class model, else <c>class N</c>).</param>
/// <param name="Probability">Softmax probability, 0..1.</param>
public readonly record struct Prediction(int Class, string Label, double Probability)
{
    /// <summary>The <paramref name="k"/> most probable classes of one image's logits, named by
    /// <see cref="ImageNetLabels.For"/>.</summary>
    /// <exception cref="ShuffleNetException"><paramref name="k"/> is less than 1.</exception>
    public static IReadOnlyList<Prediction> Top(ReadOnlySpan<float> logits, int k)
    {
        int classes = logits.Length;
        return Softmax.TopK(logits, k).Select(t => new Prediction(t.Class, ImageNetLabels.For(classes, t.Class), t.Probability)).ToList();
    }
}
