namespace ShuffleNetGpu.Runtime.Verification;

/// <summary>
/// The rule a TF32 run is held to against the fp32 logits of the same input (issue 16): relative L2 error of the logits
/// at most <see cref="MaxRelativeL2"/> and the same top-1 class for every image. The same rule is applied on the CPU
/// (the TF32 emulation in the tests) and on a GPU (<c>shufflenet verify --precision tf32</c> in gpu-check.sh).
/// </summary>
public static class Tf32Tolerance
{
    /// <summary>The largest relative L2 error of the logits.</summary>
    public const double MaxRelativeL2 = 1e-2;

    /// <summary>The relative L2 error and the images whose top-1 differs (none: the rule holds when the error is in bound).</summary>
    public static (double RelativeL2, IReadOnlyList<int> Top1Changed) Compare(ReadOnlySpan<float> tf32, ReadOnlySpan<float> fp32, int classes)
    {
        if (classes < 1 || fp32.Length % classes != 0)
            throw new ArgumentException($"{fp32.Length} logits are not a whole number of images of {classes} classes");
        double error = RelativeError.L2(tf32, fp32);
        var changed = new List<int>();
        for (int image = 0; image < fp32.Length / classes; image++)
            if (ArgMax(tf32.Slice(image * classes, classes)) != ArgMax(fp32.Slice(image * classes, classes))) changed.Add(image);
        return (error, changed);
    }

    /// <summary>Whether <paramref name="tf32"/> meets the rule against <paramref name="fp32"/>.</summary>
    public static bool Holds(ReadOnlySpan<float> tf32, ReadOnlySpan<float> fp32, int classes)
    {
        var (error, changed) = Compare(tf32, fp32, classes);
        return error <= MaxRelativeL2 && changed.Count == 0;
    }

    static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}
