using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// The processor's fused multiply-add peak as the CPU engine can reach it: a register-only loop of 12 independent
/// vector FMA chains (enough to cover the latency on two FMA ports) on the engine's path, on every thread of a pool
/// at once. The fastest of several short trials is kept (other tenants only slow a trial down). A multiply-add is one
/// lane of one FMA.
/// </summary>
internal static class CpuPeak
{
    /// <summary>Multiply-adds per second in billions, all of <paramref name="pool"/>'s threads together.</summary>
    public static double MeasureGmacs(CpuWorkerPool pool, CpuPath path, int trials = 100)
    {
        long macs = 12L * Iterations * CpuFeatures.Width(path);
        double best = 0;
        for (int t = 0; t < trials; t++)
        {
            long start = Stopwatch.GetTimestamp();
            float sink = path switch
            {
                CpuPath.Vector512 => Loop<Simd512, Vector512<float>>(),
                CpuPath.Vector256 => Loop<Simd256, Vector256<float>>(),
                _ => Loop<SimdScalar, float>(),
            };
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (float.IsNaN(sink)) throw new InvalidOperationException("the peak loop produced NaN");
            best = Math.Max(best, macs / seconds / 1e9);
        }
        return best * pool.Threads;
    }

    const int Iterations = 50_000;

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static float Loop<TS, TV>() where TS : ISimd<TV> where TV : unmanaged
    {
        TV m = TS.Splat(0.999f);
        TV a0 = TS.Splat(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < Iterations; i++)
        {
            a0 = TS.Fma(a0, m, m); a1 = TS.Fma(a1, m, m); a2 = TS.Fma(a2, m, m); a3 = TS.Fma(a3, m, m);
            a4 = TS.Fma(a4, m, m); a5 = TS.Fma(a5, m, m); a6 = TS.Fma(a6, m, m); a7 = TS.Fma(a7, m, m);
            a8 = TS.Fma(a8, m, m); a9 = TS.Fma(a9, m, m); a10 = TS.Fma(a10, m, m); a11 = TS.Fma(a11, m, m);
        }
        return TS.Sum(TS.Add(TS.Add(TS.Add(a0, a1), TS.Add(a2, a3)), TS.Add(TS.Add(TS.Add(a4, a5), TS.Add(a6, a7)), TS.Add(TS.Add(a8, a9), TS.Add(a10, a11)))));
    }
}
