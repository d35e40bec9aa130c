namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>Wall time per launcher, accumulated over synchronised runs (a diagnostic, not a benchmark).</summary>
public sealed class OpProfile
{
    readonly Dictionary<string, (int Count, TimeSpan Time)> _byKernel = [];

    /// <summary>Records one launch of <paramref name="kernel"/> that took <paramref name="time"/>.</summary>
    public void Add(string kernel, TimeSpan time)
    {
        var (count, total) = _byKernel.GetValueOrDefault(kernel);
        _byKernel[kernel] = (count + 1, total + time);
    }

    /// <summary>Launches and total time per kernel, the slowest first.</summary>
    public IEnumerable<(string Kernel, int Launches, TimeSpan Time)> Rows =>
        _byKernel.OrderByDescending(kv => kv.Value.Time).Select(kv => (kv.Key, kv.Value.Count, kv.Value.Time));

    /// <summary><see cref="Rows"/> as a table, one kernel a line (milliseconds).</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, Rows.Select(r => $"{r.Kernel,-18} {r.Launches,5} launches {r.Time.TotalMilliseconds,10:F1} ms"));
}
