namespace ShuffleNetGpu.Imaging.Classes;

/// <summary>Softmax in double and the K most probable classes (ties: lower index first).</summary>
public static class Softmax
{
    /// <summary>The <paramref name="k"/> most probable classes of one image's <paramref name="logits"/>, most probable
    /// first (fewer when there are fewer classes).</summary>
    /// <exception cref="ShuffleNetException"><paramref name="k"/> is less than 1.</exception>
    public static IReadOnlyList<(int Class, double Probability)> TopK(ReadOnlySpan<float> logits, int k)
    {
        CheckTop(k);
        var p = new double[logits.Length];
        Probabilities(logits, p);
        return p.Select((v, i) => (Class: i, Probability: v)).OrderByDescending(x => x.Probability).ThenBy(x => x.Class).Take(k).ToList();
    }

    /// <summary>The softmax of one image's <paramref name="logits"/>, in double, into <paramref name="probabilities"/>
    /// (the same length).</summary>
    public static void Probabilities(ReadOnlySpan<float> logits, Span<double> probabilities)
    {
        double max = double.NegativeInfinity;
        foreach (var v in logits) max = Math.Max(max, v);
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += probabilities[i] = Math.Exp(logits[i] - max);
        for (int i = 0; i < logits.Length; i++) probabilities[i] /= sum;
    }

    /// <summary>Refuses a class count below 1.</summary>
    /// <exception cref="ShuffleNetException"><paramref name="top"/> is less than 1.</exception>
    public static void CheckTop(int top)
    {
        if (top < 1) throw new ShuffleNetException($"top must be 1 or more classes, not {top}");
    }
}
