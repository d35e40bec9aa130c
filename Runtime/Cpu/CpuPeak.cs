using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
                CpuPath.Vector512 => PeakLoops.Loop512(),
                CpuPath.Vector256 => PeakLoops.Loop256(),
                _ => PeakLoops.LoopScalar(),
            };
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (float.IsNaN(sink)) throw new InvalidOperationException("the peak loop produced NaN");
            best = Math.Max(best, macs / seconds / 1e9);
        }
        return best * pool.Threads;
    }

    const int Iterations = 50_000;

    static class PeakLoops
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        public static float Loop512()
        {
            var m = Vector512.Create(0.999f);
            Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
            for (int i = 0; i < Iterations; i++)
            {
                a0 = Avx512F.FusedMultiplyAdd(a0, m, m); a1 = Avx512F.FusedMultiplyAdd(a1, m, m); a2 = Avx512F.FusedMultiplyAdd(a2, m, m);
                a3 = Avx512F.FusedMultiplyAdd(a3, m, m); a4 = Avx512F.FusedMultiplyAdd(a4, m, m); a5 = Avx512F.FusedMultiplyAdd(a5, m, m);
                a6 = Avx512F.FusedMultiplyAdd(a6, m, m); a7 = Avx512F.FusedMultiplyAdd(a7, m, m); a8 = Avx512F.FusedMultiplyAdd(a8, m, m);
                a9 = Avx512F.FusedMultiplyAdd(a9, m, m); a10 = Avx512F.FusedMultiplyAdd(a10, m, m); a11 = Avx512F.FusedMultiplyAdd(a11, m, m);
            }
            return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        public static float Loop256()
        {
            var m = Vector256.Create(0.999f);
            Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
            for (int i = 0; i < Iterations; i++)
            {
                a0 = Fma.MultiplyAdd(a0, m, m); a1 = Fma.MultiplyAdd(a1, m, m); a2 = Fma.MultiplyAdd(a2, m, m);
                a3 = Fma.MultiplyAdd(a3, m, m); a4 = Fma.MultiplyAdd(a4, m, m); a5 = Fma.MultiplyAdd(a5, m, m);
                a6 = Fma.MultiplyAdd(a6, m, m); a7 = Fma.MultiplyAdd(a7, m, m); a8 = Fma.MultiplyAdd(a8, m, m);
                a9 = Fma.MultiplyAdd(a9, m, m); a10 = Fma.MultiplyAdd(a10, m, m); a11 = Fma.MultiplyAdd(a11, m, m);
            }
            return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        public static float LoopScalar()
        {
            const float m = 0.999f;
            float a0 = 1f, a1 = 1f, a2 = 1f, a3 = 1f, a4 = 1f, a5 = 1f, a6 = 1f, a7 = 1f, a8 = 1f, a9 = 1f, a10 = 1f, a11 = 1f;
            for (int i = 0; i < Iterations; i++)
            {
                a0 = MathF.FusedMultiplyAdd(a0, m, m); a1 = MathF.FusedMultiplyAdd(a1, m, m); a2 = MathF.FusedMultiplyAdd(a2, m, m);
                a3 = MathF.FusedMultiplyAdd(a3, m, m); a4 = MathF.FusedMultiplyAdd(a4, m, m); a5 = MathF.FusedMultiplyAdd(a5, m, m);
                a6 = MathF.FusedMultiplyAdd(a6, m, m); a7 = MathF.FusedMultiplyAdd(a7, m, m); a8 = MathF.FusedMultiplyAdd(a8, m, m);
                a9 = MathF.FusedMultiplyAdd(a9, m, m); a10 = MathF.FusedMultiplyAdd(a10, m, m); a11 = MathF.FusedMultiplyAdd(a11, m, m);
            }
            return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        }
    }
}
