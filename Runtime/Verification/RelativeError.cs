namespace ShuffleNetGpu.Runtime.Verification;

/// <summary>How far a result lands from a reference: the measure the fixtures' tolerance is stated in.</summary>
public static class RelativeError
{
    /// <summary><c>|actual - expected| / |expected|</c> in the L2 norm, accumulated in double.</summary>
    public static double L2(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        if (actual.Length != expected.Length)
            throw new ArgumentException($"{actual.Length} values compared with {expected.Length}");
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = (double)actual[i] - expected[i];
            num += d * d;
            den += (double)expected[i] * expected[i];
        }
        return Math.Sqrt(num / Math.Max(den, 1e-30));
    }
}
