namespace ShuffleNetGpu.Runtime.Planning;

/// <summary>
/// The arena rule of both executors: the arena holds the largest plan among the last <see cref="Window"/> runs. It grows
/// at once when a run needs more, is kept while it fits and is no larger than that recent peak, and shrinks to the peak
/// once the larger plan has left the window. A caller alternating batch sizes does not reallocate every call, and one
/// large batch long ago does not hold its memory for ever.
/// </summary>
internal sealed class ArenaSizing
{
    public const int Window = 16;

    readonly long[] _recent = new long[Window];
    int _next;

    /// <summary>Records a run needing <paramref name="needed"/> elements; returns the size the arena should have
    /// (<paramref name="current"/> when it stays; 0 when there is none yet).</summary>
    public long Target(long needed, long current)
    {
        _recent[_next] = needed;
        _next = (_next + 1) % Window;
        long peak = 0;
        foreach (long r in _recent) peak = Math.Max(peak, r);
        return current >= needed && current <= peak ? current : peak;
    }

    /// <summary>Forgets the recent plans (after an arena the system refused, so the next run does not ask for it again).</summary>
    public void Reset() => Array.Clear(_recent);
}
