using System.Runtime.CompilerServices;

namespace ShuffleNetGpu.Kernels.Common;

/// <summary>
/// Math that compiles to plain arithmetic on every ILGPU backend. ILGPU 1.5.3 remaps <see cref="MathF.Exp"/>
/// to an intrinsic that the PTX backend implements only when the context was built with
/// <c>EnableAlgorithms()</c> (ILGPU.Algorithms) or libdevice: without either, loading a kernel that calls it
/// fails on CUDA while the CPU accelerator runs it fine. These functions need neither, and give the same bits
/// on the CPU accelerator, CUDA and OpenCL (no backend-specific approximate instructions).
/// </summary>
public static class KernelMath
{
    private const float Log2E = 1.44269504088896341f;
    // ln 2 split in two (Cody-Waite): Ln2Hi has few significant bits, so n * Ln2Hi is exact.
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    /// <summary>Largest x with a finite exp(x).</summary>
    private const float MaxLog = 88.7228390520683f;
    /// <summary>ln(FLT_MIN): below it the result would be subnormal.</summary>
    private const float MinLog = -87.3365447505531f;

    /// <summary>
    /// e^x in single precision (Cephes-style: range reduction by ln 2 and a degree-6 polynomial), within about
    /// 2 ulp of the exact value for normal results. NaN gives NaN, x &gt; 88.72 gives +inf, and results below
    /// FLT_MIN (x &lt; -87.34) are flushed to 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        if (float.IsNaN(x))
            return x;
        if (x > MaxLog)
            return float.PositiveInfinity;
        if (x < MinLog)
            return 0f;

        // n = floor(x / ln 2 + 1/2), r = x - n ln 2 in [-ln2/2, ln2/2].
        float fx = x * Log2E + 0.5f;
        int n = (int)fx;
        if (fx < n)
            n--;
        float r = x - n * Ln2Hi;
        r -= n * Ln2Lo;

        float p = 1.9875691500E-4f;
        p = p * r + 1.3981999507E-3f;
        p = p * r + 8.3334519073E-3f;
        p = p * r + 4.1665795894E-2f;
        p = p * r + 1.6666665459E-1f;
        p = p * r + 5.0000001201E-1f;
        float y = p * (r * r) + r + 1f;

        // Scale by 2^n (n in [-126, 128]) in two exact steps so neither factor leaves the normal range.
        int half = n / 2;
        y *= BitConverter.Int32BitsToSingle((half + 127) << 23);
        y *= BitConverter.Int32BitsToSingle((n - half + 127) << 23);
        return y;
    }
}
