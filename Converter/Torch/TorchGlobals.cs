namespace ShuffleNetGpu.Converter.Torch;

/// <summary>The allow-list: the only pickle globals a checkpoint may name, and what REDUCE and BUILD do with them.
/// Every other name (os.system, builtins.eval, subprocess.Popen, ...) is refused where the GLOBAL opcode names
/// it, before anything could use it. The fixtures (optimizer and lr_scheduler entries included) name exactly
/// collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch.FloatStorage and torch.LongStorage.</summary>
internal static class TorchGlobals
{
    public const string OrderedDict = "collections.OrderedDict";
    public const string RebuildTensorV2 = "torch._utils._rebuild_tensor_v2";
    public const string RebuildParameter = "torch._utils._rebuild_parameter";

    private const string AllowedSummary =
        "only collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and the torch.*Storage types are";

    // Storage types appear only as the type inside a persistent id; they are names, never called.
    private static readonly Dictionary<string, TorchDType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["torch.FloatStorage"] = TorchDType.Float32,
        ["torch.DoubleStorage"] = TorchDType.Float64,
        ["torch.HalfStorage"] = TorchDType.Float16,
        ["torch.BFloat16Storage"] = TorchDType.BFloat16,
        ["torch.LongStorage"] = TorchDType.Int64,
        ["torch.IntStorage"] = TorchDType.Int32,
        ["torch.ShortStorage"] = TorchDType.Int16,
        ["torch.CharStorage"] = TorchDType.Int8,
        ["torch.ByteStorage"] = TorchDType.UInt8,
        ["torch.BoolStorage"] = TorchDType.Bool,
    };

    private const int MaxTensorRank = 64;

    /// <summary>GLOBAL: a name on the allow-list, or an error naming it.</summary>
    public static PickleGlobal Resolve(string module, string name)
    {
        var global = new PickleGlobal(module, name);
        if (IsAllowed(global.FullName)) return global;
        throw new TorchFormatError($"pickle global '{PickleValues.Truncate(global.FullName)}' is not allowed ({AllowedSummary})");
    }

    public static bool IsAllowed(string fullName) =>
        fullName is OrderedDict or RebuildTensorV2 or RebuildParameter || StorageTypes.ContainsKey(fullName);

    /// <summary>torch.save(model) pickles an nn.Module as the persistent id ('module', its class, file, source);
    /// the class is refused, but the useful message is what to save instead.</summary>
    public static TorchFormatError PickledModule(string? className) => new(
        "the checkpoint holds a whole pickled nn.Module" + (className is null ? "" : $" ('{PickleValues.Truncate(className)}')")
        + ", not a state dict; save model.state_dict() instead");

    public static bool TryGetStorageType(object? value, out TorchDType type)
    {
        type = default;
        return value is PickleGlobal g && StorageTypes.TryGetValue(g.FullName, out type);
    }

    /// <summary>REDUCE: call an allowed callable on its argument tuple, as data only.</summary>
    public static object Reduce(object? callable, object? args)
    {
        if (callable is not PickleGlobal global)
            throw new TorchFormatError($"REDUCE on {PickleValues.Describe(callable)} is not allowed (only on an allowed global)");
        if (args is not PickleTuple tuple)
            throw new TorchFormatError($"REDUCE on '{global.FullName}' has {PickleValues.Describe(args)} as its arguments, expected a tuple");
        return global.FullName switch
        {
            OrderedDict when tuple.Count == 0 => new PickleDict(isOrderedDict: true),
            OrderedDict => throw new TorchFormatError("REDUCE on 'collections.OrderedDict' expects no arguments (items come with SETITEMS)"),
            RebuildTensorV2 => RebuildTensor(tuple),
            RebuildParameter => RebuildParam(tuple),
            _ => throw new TorchFormatError($"REDUCE on '{global.FullName}' is not allowed: a storage type is only a name inside a persistent id"),
        };
    }

    /// <summary>BUILD: torch state dicts carry `_metadata` as attributes of their OrderedDict; attributes are
    /// not items, so the state is dropped. BUILD on anything else is refused.</summary>
    public static void Build(object? target, object? state)
    {
        if (target is PickleDict { IsOrderedDict: true } && state is PickleDict or null) return;
        throw new TorchFormatError($"BUILD on {PickleValues.Describe(target)} with {PickleValues.Describe(state)} is not allowed (only attributes of an OrderedDict)");
    }

    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    private static TorchTensorRef RebuildTensor(PickleTuple args)
    {
        if (args.Count is not (6 or 7))
            throw new TorchFormatError($"{RebuildTensorV2} takes 6 or 7 arguments, got {args.Count}");
        var a = args.Items;
        if (a[0] is not TorchStorageRef storage)
            throw new TorchFormatError($"{RebuildTensorV2}: the storage is {PickleValues.Describe(a[0])}, expected a storage persistent id");
        if (a[1] is not long offset || offset < 0)
            throw new TorchFormatError($"{RebuildTensorV2}: the storage offset is {PickleValues.Describe(a[1])}, expected an int >= 0");
        int[] shape = IntTuple(a[2], "size", int.MaxValue).Select(v => (int)v).ToArray();
        long[] strides = IntTuple(a[3], "stride", long.MaxValue);
        if (a[4] is not bool)
            throw new TorchFormatError($"{RebuildTensorV2}: requires_grad is {PickleValues.Describe(a[4])}, expected a bool");
        if (a[5] is not PickleDict)
            throw new TorchFormatError($"{RebuildTensorV2}: backward_hooks is {PickleValues.Describe(a[5])}, expected an OrderedDict");
        if (args.Count == 7 && a[6] is not (null or PickleDict))
            throw new TorchFormatError($"{RebuildTensorV2}: metadata is {PickleValues.Describe(a[6])}, expected a dict");
        if (strides.Length != shape.Length)
            throw new TorchFormatError($"{RebuildTensorV2}: {shape.Length} sizes but {strides.Length} strides");
        return new TorchTensorRef(storage, offset, shape, strides, CheckedNumel(storage, offset, shape, strides));
    }

    // _rebuild_parameter(data, requires_grad, backward_hooks): an nn.Parameter is its tensor here.
    private static TorchTensorRef RebuildParam(PickleTuple args)
    {
        if (args.Count != 3 || args.Items[0] is not TorchTensorRef tensor || args.Items[1] is not bool || args.Items[2] is not PickleDict)
            throw new TorchFormatError($"{RebuildParameter} expects (tensor, bool, OrderedDict)");
        return tensor;
    }

    private static long[] IntTuple(object? value, string what, long max)
    {
        if (value is not PickleTuple tuple)
            throw new TorchFormatError($"{RebuildTensorV2}: the {what} is {PickleValues.Describe(value)}, expected a tuple of ints");
        if (tuple.Count > MaxTensorRank)
            throw new TorchFormatError($"{RebuildTensorV2}: the {what} has {tuple.Count} dimensions (at most {MaxTensorRank})");
        var result = new long[tuple.Count];
        for (int i = 0; i < result.Length; i++)
        {
            if (tuple.Items[i] is not long v || v < 0 || v > max)
                throw new TorchFormatError($"{RebuildTensorV2}: {what}[{i}] is {PickleValues.Describe(tuple.Items[i])}, expected an int in 0..{max}");
            result[i] = v;
        }
        return result;
    }

    /// <summary>The element count, overflow-checked, and proof that every element the offset and strides reach
    /// lies inside the storage, so decoding can never index out of it.</summary>
    private static int CheckedNumel(TorchStorageRef storage, long offset, int[] shape, long[] strides)
    {
        try
        {
            long numel = 1;
            long lastIndex = offset;
            for (int d = 0; d < shape.Length; d++)
            {
                numel = checked(numel * shape[d]);
                if (shape[d] > 0) lastIndex = checked(lastIndex + (shape[d] - 1L) * strides[d]);
            }
            if (numel > Array.MaxLength)
                throw new TorchFormatError($"a tensor of {numel} elements is larger than one array can hold");
            if (numel > 0 ? lastIndex >= storage.Numel : offset > storage.Numel)
                throw new TorchFormatError(
                    $"a tensor of shape [{string.Join(", ", shape)}] at offset {offset} with strides [{string.Join(", ", strides)}] reaches past its storage '{PickleValues.Truncate(storage.Key)}' of {storage.Numel} elements");
            return (int)numel;
        }
        catch (OverflowException)
        {
            throw new TorchFormatError($"a tensor's shape [{string.Join(", ", shape)}] or strides overflow");
        }
    }
}
