namespace ShuffleNetGpu.Converter.Torch;

/// <summary>Collects the state dict's tensors as their storages arrive. Each storage is decoded into every tensor
/// that uses it the moment it is read, so its raw bytes can go straight back to the pool: peak memory is the
/// float data plus one storage, not the whole file twice.</summary>
internal sealed class TensorAssembler
{
    private readonly List<(string Name, TorchTensorRef Tensor)> _entries;
    private readonly float[]?[] _data;
    private readonly Dictionary<string, List<int>> _tensorsOfStorage = new(StringComparer.Ordinal);
    private readonly StorageTable _storages;
    private readonly long _fileBytes;
    private bool _memoryChecked;

    // Tensors may share storage (a few names twice, broadcast views), but not without limit: a small file must
    // not ask for terabytes of float output by naming one storage a million times or with a zero stride.
    private const int MaxOutputPerStoredElement = 4;
    private const long OutputAllowance = 1 << 20;

    // Nor may a small file ask for gigabytes in all: a zip's deflated storage can claim ~1000x its size. What one
    // checkpoint allocates (each storage's bytes as read, plus every tensor as float32) is bounded by the file's
    // size. A float32 checkpoint needs 2x (its storages, then the same as floats), float16 3x; 4x leaves room for
    // tensors that share storage. The allowance covers tiny files.
    public const long MaxMemoryPerFileByte = 4;
    public const long MemoryAllowance = 64 << 20;

    /// <param name="entries">The state dict's tensors, by name, in file order.</param>
    /// <param name="storages">The storage declarations, whose sizes are what the reader will allocate.</param>
    /// <param name="fileBytes">The checkpoint's size on disk, which bounds the memory it may ask for.</param>
    public TensorAssembler(List<(string Name, TorchTensorRef Tensor)> entries, StorageTable storages, long fileBytes)
    {
        _entries = entries;
        _data = new float[entries.Count][];
        var storedElements = new Dictionary<string, long>(StringComparer.Ordinal);
        long outputElements = 0;
        for (int i = 0; i < entries.Count; i++)
        {
            var storage = entries[i].Tensor.Storage;
            if (!_tensorsOfStorage.TryGetValue(storage.Key, out var users)) _tensorsOfStorage[storage.Key] = users = [];
            users.Add(i);
            storedElements[storage.Key] = Math.Max(storedElements.GetValueOrDefault(storage.Key), storage.ElementOffset + storage.Numel);
            outputElements += entries[i].Tensor.Numel;
        }
        long limit = checked(storedElements.Values.Sum() * MaxOutputPerStoredElement + OutputAllowance);
        if (outputElements > limit)
            throw new TorchFormatError($"the tensors would expand to {outputElements} values from {storedElements.Values.Sum()} stored elements (at most {MaxOutputPerStoredElement}x)");
        _storages = storages;
        _fileBytes = fileBytes;
    }

    /// <summary>Refuses a checkpoint whose storages and tensors need more memory than its size allows. The readers
    /// call it after the cheaper checks (a storage must be in the file as declared) and before any storage is read;
    /// later calls do nothing.</summary>
    public void CheckMemory()
    {
        if (_memoryChecked) return;
        long limit = checked(_fileBytes * MaxMemoryPerFileByte + MemoryAllowance);
        long total = 0;
        foreach (var (key, users) in _tensorsOfStorage)
        {
            _storages.TryGet(key, out var type, out long numel);   // declared: every tensor's storage was resolved
            long bytes = checked(numel * type.ElementSize() + users.Sum(i => (long)_entries[i].Tensor.Numel * sizeof(float)));
            if (bytes > limit - total)
                throw new TorchFormatError($"storage '{PickleValues.Truncate(key)}' and its {users.Count} tensors need {bytes} bytes, more than the {limit - total} "
                    + $"left of the {limit} bytes of memory a {_fileBytes}-byte file may use ({MaxMemoryPerFileByte}x its size + {MemoryAllowance >> 20} MiB)");
            total += bytes;
        }
        _memoryChecked = true;
    }

    /// <summary>The storages the state dict needs (others, such as optimizer state, are skipped).</summary>
    public IReadOnlyCollection<string> StorageKeys => _tensorsOfStorage.Keys;

    public bool Needs(string key) => _tensorsOfStorage.ContainsKey(key);

    /// <summary>Decodes every tensor on this storage; <paramref name="storage"/> is exactly the root storage's
    /// bytes (numel x element size, as the reader checked).</summary>
    public void Fill(string key, ReadOnlySpan<byte> storage)
    {
        if (!_memoryChecked) throw new InvalidOperationException("CheckMemory must come before the first storage is read");
        foreach (int i in _tensorsOfStorage[key]) _data[i] = StorageDecoder.Decode(_entries[i].Tensor, storage);
    }

    public List<TorchTensor> Finish()
    {
        var tensors = new List<TorchTensor>(_entries.Count);
        for (int i = 0; i < _entries.Count; i++)
        {
            var (name, tensor) = _entries[i];
            float[] data = _data[i]
                ?? throw new TorchFormatError($"tensor '{PickleValues.Truncate(name)}' uses storage '{PickleValues.Truncate(tensor.Storage.Key)}', which the file does not hold");
            tensors.Add(new TorchTensor(name, (int[])tensor.Shape.Clone(), data, tensor.Storage.Type));   // one tensor may sit under two names
        }
        return tensors;
    }
}
