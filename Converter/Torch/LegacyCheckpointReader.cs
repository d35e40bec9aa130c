using System.Buffers;
using System.Numerics;

namespace ShuffleNetGpu.Converter.Torch;

/// <summary>torch.save before 1.6 (and `_use_new_zipfile_serialization=False`): five pickles — magic number,
/// protocol version, sys info, the object, the storage keys — then, for each key in the order of that list,
/// an int64 element count and the raw little-endian bytes.</summary>
internal static class LegacyCheckpointReader
{
    private static readonly BigInteger MagicNumber = BigInteger.Parse("119547037146038801333356");   // 0x1950a86a20f9469cfc6c
    private const long ProtocolVersion = 1001;

    public static List<TorchTensor> Read(Stream stream)
    {
        long fileBytes = stream.Length - stream.Position;
        var input = new BoundedReader(stream);
        ReadHeader(input);

        var storages = new StorageTable();
        object? root = RestrictedUnpickler.Load(input, "the object pickle", storages.Resolve);
        var tensors = new TensorAssembler(StateDictExtractor.Extract(root), storages, fileBytes);

        object? keyList = RestrictedUnpickler.Load(input, "the storage-key pickle", null);
        if (keyList is not PickleList keys)
            throw new TorchFormatError($"the storage-key pickle holds {PickleValues.Describe(keyList)}, expected a list");

        // The keys are sorted as strings ("10" before "2"): the data follows this list, not any numeric order.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (object? item in keys.Items)
        {
            if (item is not string key || !seen.Add(key))
                throw new TorchFormatError($"the storage-key list holds {PickleValues.Describe(item)} that is not a new key");
            if (!storages.TryGet(key, out var type, out long declared))
                throw new TorchFormatError($"storage '{PickleValues.Truncate(key)}' is stored but no tensor declares it");

            long offset = input.Position;
            long count = input.ReadInt64();
            if (count != declared)
                throw new TorchFormatError($"storage '{PickleValues.Truncate(key)}' at byte {offset} holds {count} elements, but the pickle declares {declared}");
            long bytes = count * type.ElementSize();   // no overflow: declared counts are at most long.MaxValue / 8
            input.Need(bytes);                         // before allocating: a claim of 10^12 elements fails here
            if (tensors.Needs(key))
            {
                tensors.CheckMemory();                 // once, after the first storage is known to be in the file
                ReadStorage(input, key, bytes, tensors);
            }
            else input.Skip(bytes);                    // storages of skipped entries (optimizer state)
        }
        return tensors.Finish();
    }

    private static void ReadStorage(BoundedReader input, string key, long bytes, TensorAssembler tensors)
    {
        if (bytes > Array.MaxLength) throw new TorchFormatError($"storage '{PickleValues.Truncate(key)}' of {bytes} bytes is larger than one array can hold");
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)bytes);
        try
        {
            input.ReadInto(buffer.AsSpan(0, (int)bytes));
            tensors.Fill(key, buffer.AsSpan(0, (int)bytes));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void ReadHeader(BoundedReader input)
    {
        object? magic;
        try
        {
            magic = RestrictedUnpickler.Load(input, "the magic-number pickle", null);
        }
        catch (TorchFormatError)
        {
            magic = null;
        }
        if (magic is not BigInteger m || m != MagicNumber)
            throw new TorchFormatError("is not a PyTorch checkpoint: neither a zip archive nor the legacy torch.save magic number");

        object? protocol = RestrictedUnpickler.Load(input, "the protocol-version pickle", null);
        if (protocol is not ProtocolVersion)
            throw new TorchFormatError($"legacy protocol version is {PickleValues.Describe(protocol)}, expected {ProtocolVersion}");

        object? sysInfo = RestrictedUnpickler.Load(input, "the sys-info pickle", null);
        if (sysInfo is not PickleDict info)
            throw new TorchFormatError($"the sys-info pickle holds {PickleValues.Describe(sysInfo)}, expected a dict");
        if (info.TryGetValue("little_endian", out object? little) && little is false)
            throw new TorchFormatError("was saved on a big-endian machine; only little-endian checkpoints are supported");
    }
}
