namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// Repacked weights by tensor name, shared by the ops of every input size a network runs at: an op is made per input
/// size (its geometry, masks and row offsets depend on the size), its weights once. Owns and frees the buffers.
/// </summary>
internal sealed class PackedWeights : IDisposable
{
    readonly Dictionary<string, NativeBuffer> _buffers = [];

    /// <summary>The buffer stored under <paramref name="key"/>, made by <paramref name="make"/> the first time.</summary>
    public NativeBuffer Get(string key, Func<NativeBuffer> make)
    {
        if (!_buffers.TryGetValue(key, out var buffer)) _buffers[key] = buffer = make();
        return buffer;
    }

    /// <summary>Bytes held.</summary>
    public long Bytes => _buffers.Values.Sum(b => b.Bytes);

    public void Dispose()
    {
        foreach (var b in _buffers.Values) b.Dispose();
        _buffers.Clear();
    }
}
