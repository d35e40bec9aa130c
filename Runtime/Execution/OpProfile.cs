using System.Globalization;

namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>Wall time per launcher, accumulated over synchronised runs (a diagnostic, not a benchmark).</summary>
public sealed class OpProfile
{
    readonly Dictionary<string, (int Count, TimeSpan Time, long Macs)> _byKernel = [];

    /// <summary>How many times an executor that can repeat an op (the cpu backend: every op rewrites its output from
    /// its inputs) runs each op of a profiled pass, recording the fastest: on a busy machine the minimum is the op's own
    /// cost, a single timing is mostly the other tenants. Executors that cannot repeat ops time each once.</summary>
    public int Repetitions { get; init; } = 1;

    /// <summary>With <see cref="Repetitions"/> 1 on the cpu backend: how many whole passes to run, timing each op once
    /// per pass in its place (its input just written by the op before, the other ops' data and weights in the caches
    /// between), recording each op's median over the passes: what the op costs in a real pass, where the repeated
    /// minimum gives its cost with everything it touches already cached.</summary>
    public int Passes { get; init; } = 1;

    /// <summary>On the cpu backend: one row per kernel and output map size (<c>PointwiseConv2d 14x14</c>, with the kernel
    /// size and stride for convolutions: <c>DepthwiseConv2d 28x28 k5 s2</c>) instead of one per kernel, to set beside
    /// ONNX Runtime's per-node profile (scripts/ort-profile.py).</summary>
    public bool ByShape { get; init; }

    /// <summary>The row <paramref name="op"/> (of kernel <paramref name="kernel"/>, in <paramref name="sized"/>) goes to.</summary>
    internal string RowFor(string kernel, Networks.Graph.GraphOp op, Networks.Graph.NetworkGraph sized)
    {
        if (!ByShape) return kernel;
        var output = sized.Tensors[op.Output.Tensor];
        string conv = op is Networks.Graph.ConvOp c && !c.IsPointwise ? $" k{c.Kernel} s{c.Stride}" : "";
        return $"{kernel} {output.Height}x{output.Width}{conv}";
    }

    /// <summary>The machine's measured fused multiply-add peak in GMAC/s for the threads the pass ran on (the cpu
    /// backend measures it on its first profiled pass), or null: <see cref="ToString"/> then gives no share of peak.</summary>
    public double? PeakGmacs { get; set; }

    /// <summary>The cpu backend's masked 256-bit load time over a plain load's (<c>Cpu.MaskedLoadCost</c>; it picks
    /// some kernels by it), or null on other backends and paths.</summary>
    public double? MaskedLoadRatio { get; set; }

    /// <summary>Records one launch of <paramref name="kernel"/> that took <paramref name="time"/> and did
    /// <paramref name="macs"/> multiply-adds (0 when not counted).</summary>
    public void Add(string kernel, TimeSpan time, long macs = 0)
    {
        var (count, total, totalMacs) = _byKernel.GetValueOrDefault(kernel);
        _byKernel[kernel] = (count + 1, total + time, totalMacs + macs);
    }

    /// <summary>Launches, total time and multiply-adds per kernel, the slowest first.</summary>
    public IEnumerable<(string Kernel, int Launches, TimeSpan Time, long Macs)> Rows =>
        _byKernel.OrderByDescending(kv => kv.Value.Time).Select(kv => (kv.Key, kv.Value.Count, kv.Value.Time, kv.Value.Macs));

    /// <summary><see cref="Rows"/> as a table, one kernel a line: milliseconds, millions of multiply-adds, GMAC/s and
    /// the share of <see cref="PeakGmacs"/> where multiply-adds are counted, then the total.</summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        string Line(string kernel, int launches, TimeSpan time, long macs)
        {
            double ms = time.TotalMilliseconds, gmacs = macs / time.TotalSeconds / 1e9;
            string rate = macs == 0 || time <= TimeSpan.Zero ? "" : string.Create(inv, $" {macs / 1e6,9:F1} MMAC {gmacs,7:F1} GMAC/s");
            string share = macs == 0 || time <= TimeSpan.Zero || PeakGmacs is not { } peak ? "" : string.Create(inv, $" {100 * gmacs / peak,5:F1}% of peak");
            return string.Create(inv, $"{kernel,-22} {launches,5} launches {ms,10:F3} ms") + rate + share;
        }
        var rows = Rows.ToList();
        var lines = rows.Select(r => Line(r.Kernel, r.Launches, r.Time, r.Macs)).ToList();
        lines.Add(Line("total", rows.Sum(r => r.Launches), TimeSpan.FromTicks(rows.Sum(r => r.Time.Ticks)), rows.Sum(r => r.Macs)));
        return string.Join(Environment.NewLine, lines);
    }
}
