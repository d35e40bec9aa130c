using System.Numerics;

namespace ShuffleNetGpu.Converter.Torch;

// The values the restricted unpickler builds. They are plain data: nothing here can run code, and nothing
// walks them recursively (a hostile pickle can make a list that holds itself), so none overrides
// Equals/GetHashCode/ToString with anything that looks inside.

/// <summary>What a GLOBAL opcode yields: a module and a name, never a resolved type.</summary>
internal sealed class PickleGlobal(string module, string name)
{
    public string Module { get; } = module;
    public string Name { get; } = name;
    public string FullName => Module + "." + Name;
}

internal sealed class PickleTuple(object?[] items)
{
    public static readonly PickleTuple Empty = new([]);
    public object?[] Items { get; } = items;
    public int Count => Items.Length;
}

internal sealed class PickleList
{
    public List<object?> Items { get; } = [];
}

/// <summary>A dict or OrderedDict. Python dicts keep insertion order; setting a key again keeps its place.
/// Only string keys are indexed (and so deduplicated): they are the only keys ever looked up, and .NET hashes
/// strings with a per-process random seed, so no file can make them collide. Other keys (ints, tuples...) are
/// only appended: Int64's hash is fixed (k * (2^32 + 1) all hash to 0), so indexing them would let a small file
/// make each insert walk all earlier keys, and Python's own rule (1 == 1.0 == True) is more than a comparer.</summary>
internal sealed class PickleDict(bool isOrderedDict)
{
    private readonly List<KeyValuePair<object?, object?>> _entries = [];
    private readonly Dictionary<string, int> _indexOfKey = new(StringComparer.Ordinal);

    public bool IsOrderedDict { get; } = isOrderedDict;
    public int Count => _entries.Count;
    public IReadOnlyList<KeyValuePair<object?, object?>> Entries => _entries;

    public void Set(object? key, object? value)
    {
        if (key is string name)
        {
            if (_indexOfKey.TryGetValue(name, out int i)) { _entries[i] = new(key, value); return; }
            _indexOfKey[name] = _entries.Count;
        }
        _entries.Add(new(key, value));
    }

    public bool TryGetValue(string key, out object? value)
    {
        if (_indexOfKey.TryGetValue(key, out int i)) { value = _entries[i].Value; return true; }
        value = null;
        return false;
    }
}

/// <summary>A storage named by a persistent id: its data is read later, by key, from the file.
/// <see cref="ElementOffset"/> is non-zero only for a legacy storage view into a larger root storage.</summary>
internal sealed class TorchStorageRef(string key, TorchDType type, long numel, long elementOffset)
{
    public string Key { get; } = key;
    public TorchDType Type { get; } = type;
    public long Numel { get; } = numel;
    public long ElementOffset { get; } = elementOffset;
}

/// <summary>A tensor as _rebuild_tensor_v2 describes it, its geometry already checked against the storage.</summary>
internal sealed class TorchTensorRef(TorchStorageRef storage, long offset, int[] shape, long[] strides, int numel)
{
    public TorchStorageRef Storage { get; } = storage;
    public long Offset { get; } = offset;
    public int[] Shape { get; } = shape;
    public long[] Strides { get; } = strides;
    public int Numel { get; } = numel;
}

internal static class PickleValues
{
    /// <summary>A short, non-recursive description of a value for error messages.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long or BigInteger => "an int",
        double => "a float",
        string s => $"the string '{Truncate(s)}'",
        PickleTuple t => $"a tuple of {t.Count}",
        PickleList l => $"a list of {l.Items.Count}",
        PickleDict { IsOrderedDict: true } => "an OrderedDict",
        PickleDict => "a dict",
        PickleGlobal g => $"the global '{g.FullName}'",
        TorchStorageRef => "a storage",
        TorchTensorRef => "a tensor",
        _ => value.GetType().Name,
    };

    public static string Truncate(string s) => s.Length <= 80 ? s : s[..77] + "...";
}
