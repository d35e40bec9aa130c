using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// What a masked 256-bit load (<c>vmaskmovps</c>) costs against a plain one on this processor, measured once per
/// process: the fastest of several short trials of each, from L1, eight independent sums (other tenants only slow a
/// trial down). The in-place depthwise kernel and the pools clip every border vector with masked loads; where those
/// cost several plain loads (AMD EPYC Zen 1: about 9x, measured 2026-12-08), copying the map into padded planes once and
/// reading it with plain loads wins on maps the in-place kernel is otherwise used for (docs/performance.md).
/// The AVX-512 path masks with opmask registers, whose loads cost what plain ones do: it is not measured.
/// </summary>
internal static unsafe class MaskedLoadCost
{
    /// <summary>A masked load's time over a plain one's (1 where not measured: the scalar and AVX-512 paths, and a
    /// processor without AVX2).</summary>
    public static double Ratio(CpuPath path) => path == CpuPath.Vector256 && Avx2.IsSupported ? Measured.Value : 1;

    /// <summary>Whether masked loads cost at least <see cref="SlowRatio"/> plain ones on <paramref name="path"/>.</summary>
    public static bool Slow(CpuPath path) => Ratio(path) >= SlowRatio;

    /// <summary>Zen 1 measures about 9; processors whose masked loads issue at half the rate of plain ones would measure about 2.</summary>
    public const double SlowRatio = 2.8;

    static readonly Lazy<double> Measured = new(Measure);

    const int Floats = 1024, Rounds = 8, Trials = 25;

    static double Measure()
    {
        float* buffer = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(Floats * sizeof(float), 64);
        try
        {
            for (int i = 0; i < Floats; i++) buffer[i] = i & 7;
            double plain = double.MaxValue, masked = double.MaxValue;
            for (int t = 0; t < Trials; t++)
            {
                plain = Math.Min(plain, Time(buffer, false));
                masked = Math.Min(masked, Time(buffer, true));
            }
            return masked / plain;
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.AlignedFree(buffer);
        }
    }

    static double Time(float* buffer, bool masked)
    {
        long start = Stopwatch.GetTimestamp();
        float sink = masked ? Loads(buffer, Vector256.Create(-1, -1, -1, -1, -1, -1, -1, 0).AsSingle()) : Loads(buffer);
        long ticks = Stopwatch.GetTimestamp() - start;
        if (float.IsNaN(sink)) throw new InvalidOperationException("the load probe produced NaN");
        return ticks;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static float Loads(float* p)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int r = 0; r < Rounds; r++)
            for (float* q = p; q < p + Floats; q += 64)
            {
                a0 += Avx.LoadVector256(q); a1 += Avx.LoadVector256(q + 8); a2 += Avx.LoadVector256(q + 16); a3 += Avx.LoadVector256(q + 24);
                a4 += Avx.LoadVector256(q + 32); a5 += Avx.LoadVector256(q + 40); a6 += Avx.LoadVector256(q + 48); a7 += Avx.LoadVector256(q + 56);
            }
        return Vector256.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static float Loads(float* p, Vector256<float> m)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int r = 0; r < Rounds; r++)
            for (float* q = p; q < p + Floats; q += 64)
            {
                a0 += Avx.MaskLoad(q, m); a1 += Avx.MaskLoad(q + 8, m); a2 += Avx.MaskLoad(q + 16, m); a3 += Avx.MaskLoad(q + 24, m);
                a4 += Avx.MaskLoad(q + 32, m); a5 += Avx.MaskLoad(q + 40, m); a6 += Avx.MaskLoad(q + 48, m); a7 += Avx.MaskLoad(q + 56, m);
            }
        return Vector256.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)));
    }
}
