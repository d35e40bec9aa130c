namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// Repacked weights by tensor name, shared by the ops of every input size a network runs at: an op is made per input
/// size (its geometry, masks and row offsets depend on the size), its weights once. Owns and frees the buffers.
/// </summary>
internal sealed unsafe class PackedWeights : IDisposable
{
    readonly Dictionary<string, NativeBuffer> _buffers = [];

    /// <summary>The buffer stored under <paramref name="key"/>, made by <paramref name="make"/> the first time.</summary>
    public NativeBuffer Get(string key, Func<NativeBuffer> make)
    {
        if (!_buffers.TryGetValue(key, out var buffer)) _buffers[key] = buffer = make();
        return buffer;
    }

    /// <summary>
    /// <paramref name="weights"/> as <paramref name="groups"/> row-major [<paramref name="rows"/>, <paramref name="depth"/>]
    /// matrices, each packed for <see cref="Gemm"/> (one after another, <see cref="Gemm.PackedLength"/> floats each),
    /// stored under <paramref name="key"/>.
    /// </summary>
    public NativeBuffer GemmGroups(string key, float[] weights, int groups, int rows, int depth) => Get(key, () =>
    {
        long perGroup = Gemm.PackedLength(rows, depth);
        var packed = new NativeBuffer(perGroup * groups);
        for (int g = 0; g < groups; g++)
            Gemm.PackWeights(weights.AsSpan(g * rows * depth, rows * depth), depth, rows, depth, packed.Pointer + g * perGroup);
        return packed;
    });

    /// <summary>Bytes held.</summary>
    public long Bytes => _buffers.Values.Sum(b => b.Bytes);

    public void Dispose()
    {
        foreach (var b in _buffers.Values) b.Dispose();
        _buffers.Clear();
    }
}
