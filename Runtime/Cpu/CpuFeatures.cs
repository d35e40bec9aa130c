using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>The instruction path the CPU engine's ops run on.</summary>
public enum CpuPath
{
    /// <summary>Plain C# (one float at a time, <see cref="MathF.FusedMultiplyAdd"/>): any processor.</summary>
    Scalar,
    /// <summary>AVX2 + FMA on <see cref="Vector256{T}"/> (8 floats).</summary>
    Vector256,
    /// <summary>AVX-512F on <see cref="Vector512{T}"/> (16 floats).</summary>
    Vector512,
}

/// <summary>
/// Which path this processor supports, and the path an engine uses when it is created (the best supported one,
/// unless <see cref="Override"/> forces a lower one: tests run every path on one machine that way).
/// </summary>
public static class CpuFeatures
{
    /// <summary>The best path this processor and runtime support. AVX-512 counts when the instructions are there, even
    /// where .NET reports <see cref="Vector512.IsHardwareAccelerated"/> false (it does on Skylake-X and Cascade Lake,
    /// preferring 256-bit vectors for general code because of the AVX-512 clock penalty): the ops use the Avx512F
    /// intrinsics directly, and a dense matrix product gains from the doubled width anyway (measured, docs/performance.md).</summary>
    public static CpuPath Best { get; } =
        Avx512F.IsSupported && Avx512F.VL.IsSupported && Fma.IsSupported ? CpuPath.Vector512
        : Avx2.IsSupported && Fma.IsSupported ? CpuPath.Vector256
        : CpuPath.Scalar;

    /// <summary>Forces a path for engines created from now on (null: <see cref="Best"/>). A path above
    /// <see cref="Best"/> is refused when an engine is created. Internal: for tests and measurements.</summary>
    internal static CpuPath? Override { get; set; }

    /// <summary>The path an engine created now uses.</summary>
    public static CpuPath Current
    {
        get
        {
            var path = Override ?? Best;
            if (path > Best)
                throw new PlatformNotSupportedException($"CPU path {path} is not supported here (best: {Best})");
            return path;
        }
    }

    /// <summary>Floats per vector of <paramref name="path"/>.</summary>
    public static int Width(CpuPath path) => path switch
    {
        CpuPath.Vector512 => 16,
        CpuPath.Vector256 => 8,
        _ => 1,
    };

    /// <summary>The processor's model name (from <c>/proc/cpuinfo</c> on Linux), or the architecture.</summary>
    public static string ProcessorName { get; } = ReadProcessorName();

    static string ReadProcessorName()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
            {
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is var colon and > 0)
                        return line[(colon + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return $"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture} processor";
    }

    /// <summary>One line: processor, path and vector width, e.g. <c>Intel Xeon ..., AVX-512 (16 floats)</c>.</summary>
    public static string Describe(CpuPath path) => path switch
    {
        CpuPath.Vector512 => $"{ProcessorName}, AVX-512 (Vector512, 16 floats)",
        CpuPath.Vector256 => $"{ProcessorName}, AVX2+FMA (Vector256, 8 floats)",
        _ => $"{ProcessorName}, scalar",
    };
}
