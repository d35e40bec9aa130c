namespace ShuffleNetGpu.Runtime.Cost;

/// <summary>The figures the cost model bounds against: one NVIDIA H100 SXM (80 GB HBM3).</summary>
public static class H100
{
    /// <summary>fp32 peak on the CUDA cores, 67 TFLOP/s, counting an FMA as two operations.</summary>
    public const double FlopsPerSecond = 67e12;

    /// <summary>fp32 FMAs (multiply-adds) per second: half the FLOP rate.</summary>
    public const double FmaPerSecond = FlopsPerSecond / 2;

    /// <summary>HBM3 bandwidth, 3.35 TB/s.</summary>
    public const double BytesPerSecond = 3.35e12;

    /// <summary>Assumed cost of one kernel launch on a stream, back to back: 2 microseconds (an assumption, not a
    /// measurement: CUDA launches cost a few microseconds each without CUDA graphs).</summary>
    public const double LaunchSeconds = 2e-6;
}
