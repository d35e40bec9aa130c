namespace ShuffleNetGpu.Converter.Torch;

/// <summary>Turns persistent ids into storage references and remembers what each storage key was declared as,
/// so the data read later can be checked against it (type and element count must agree everywhere).</summary>
internal sealed class StorageTable
{
    // torch's keys are short ids ("0", "94823411"). A persistent id memoized once can be resolved again for
    // 3 bytes of input each time, so the hashing it costs is bounded in total, not only per key.
    private const int MaxKeyLength = 1024;
    private const long MaxKeyCharsResolved = 64 << 20;
    private long _keyCharsResolved;

    private readonly Dictionary<string, (TorchDType Type, long Numel)> _declared = new(StringComparer.Ordinal);

    public bool TryGet(string key, out TorchDType type, out long numel)
    {
        bool found = _declared.TryGetValue(key, out var d);
        (type, numel) = d;
        return found;
    }

    /// <summary>BINPERSID. Legacy: ('storage', type, key, location, numel, view_metadata);
    /// zip: ('storage', type, key, location, numel).</summary>
    public object Resolve(object? persistentId)
    {
        if (persistentId is not PickleTuple { Count: > 0 } pid)
            throw new TorchFormatError($"a persistent id is {PickleValues.Describe(persistentId)}, expected a ('storage', ...) tuple");
        var a = pid.Items;
        if (a[0] is "module")
            throw TorchGlobals.PickledModule((a.Length > 1 ? a[1] as PickleGlobal : null)?.FullName);
        if (a[0] is not "storage" || pid.Count is not (5 or 6))
            throw new TorchFormatError($"a persistent id starts with {PickleValues.Describe(a[0])} and has {pid.Count} items, expected ('storage', type, key, location, numel[, view])");
        if (!TorchGlobals.TryGetStorageType(a[1], out var type))
            throw new TorchFormatError($"a persistent id names {PickleValues.Describe(a[1])} as its storage type, expected a torch.*Storage");
        if (a[2] is not string key || key.Length > MaxKeyLength)
            throw new TorchFormatError($"a storage key is {PickleValues.Describe(a[2])}, expected a string of at most {MaxKeyLength} characters");
        if ((_keyCharsResolved += key.Length) > MaxKeyCharsResolved)
            throw new TorchFormatError($"persistent ids name more than {MaxKeyCharsResolved} characters of storage keys");
        if (a[3] is not string)
            throw new TorchFormatError($"storage '{PickleValues.Truncate(key)}' has {PickleValues.Describe(a[3])} as its location, expected a string");
        if (a[4] is not long numel || numel < 0)
            throw new TorchFormatError($"storage '{PickleValues.Truncate(key)}' has {PickleValues.Describe(a[4])} as its element count, expected an int >= 0");
        if (numel > long.MaxValue / 8)
            throw new TorchFormatError($"storage '{PickleValues.Truncate(key)}' claims {numel} elements");

        Declare(key, type, numel);
        object? view = pid.Count == 6 ? a[5] : null;
        return view is null ? new TorchStorageRef(key, type, numel, 0) : ResolveView(key, type, numel, view);
    }

    // A legacy storage view (view_key, offset, size): a slice, in elements, of the root storage.
    private static TorchStorageRef ResolveView(string rootKey, TorchDType type, long rootNumel, object view)
    {
        if (view is not PickleTuple { Count: 3 } v || v.Items[0] is not string || v.Items[1] is not long offset || v.Items[2] is not long size
            || offset < 0 || size < 0 || offset > rootNumel - size)
            throw new TorchFormatError($"storage '{PickleValues.Truncate(rootKey)}' has a view {PickleValues.Describe(view)} that is not (key, offset, size) inside its {rootNumel} elements");
        return new TorchStorageRef(rootKey, type, size, offset);
    }

    private void Declare(string key, TorchDType type, long numel)
    {
        if (_declared.TryGetValue(key, out var earlier))
        {
            if (earlier != (type, numel))
                throw new TorchFormatError($"storage '{PickleValues.Truncate(key)}' is declared as {earlier.Numel} x {earlier.Type} and as {numel} x {type}");
            return;
        }
        _declared[key] = (type, numel);
    }
}
