namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>Where a run's requested tensors go: back to back in one span the caller owns (the zero-copy API), or one
/// array each (the array API, so several large maps need not fit one array together).</summary>
internal readonly ref struct RunOutputs
{
    readonly Span<float> _packed;
    readonly float[][]? _arrays;

    public RunOutputs(Span<float> packed) => _packed = packed;

    public RunOutputs(float[][] arrays) => _arrays = arrays;

    /// <summary>Output <paramref name="index"/>'s place: <paramref name="length"/> floats, after <paramref name="offset"/>
    /// floats of the earlier outputs when packed.</summary>
    public Span<float> Slot(int index, long offset, long length) =>
        _arrays is null ? _packed.Slice(checked((int)offset), checked((int)length)) : _arrays[index].AsSpan(0, checked((int)length));

    /// <summary>The caller's span when the outputs are packed; empty for the array API.</summary>
    public Span<float> Packed => _packed;

    /// <summary>Output <paramref name="index"/>'s array (the array API), or null when packed.</summary>
    public float[]? Array(int index) => _arrays?[index];
}
