namespace ShuffleNetGpu.Converter.Torch;

/// <summary>Finds the state dict in the unpickled object: {'state_dict': OrderedDict, ...} (other entries such
/// as optimizer_state_dict are ignored), or a bare dict of tensors (OneShot). Names lose a leading "module.".</summary>
internal static class StateDictExtractor
{
    private const string DataParallelPrefix = "module.";

    public static List<(string Name, TorchTensorRef Tensor)> Extract(object? root)
    {
        if (root is not PickleDict top)
            throw new TorchFormatError($"the checkpoint holds {PickleValues.Describe(root)}, expected a dict");

        PickleDict stateDict = top;
        string context = "the top-level dict has no 'state_dict' entry, so it is read as a bare state dict";
        if (top.TryGetValue("state_dict", out object? inner))
        {
            stateDict = inner as PickleDict
                ?? throw new TorchFormatError($"the 'state_dict' entry is {PickleValues.Describe(inner)}, expected a dict");
            context = "in 'state_dict'";
        }

        var tensors = new List<(string, TorchTensorRef)>(stateDict.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in stateDict.Entries)
        {
            if (key is not string name)
                throw new TorchFormatError($"a key is {PickleValues.Describe(key)}, expected a tensor name ({context})");
            if (value is not TorchTensorRef tensor)
                throw new TorchFormatError($"entry '{PickleValues.Truncate(name)}' is {PickleValues.Describe(value)}, expected a tensor ({context})");
            string stripped = name.StartsWith(DataParallelPrefix, StringComparison.Ordinal) ? name[DataParallelPrefix.Length..] : name;
            if (!names.Add(stripped))
                throw new TorchFormatError($"two entries are named '{PickleValues.Truncate(stripped)}' once 'module.' is stripped");
            tensors.Add((stripped, tensor));
        }
        if (tensors.Count == 0) throw new TorchFormatError($"the state dict holds no tensors ({context})");
        return tensors;
    }
}
