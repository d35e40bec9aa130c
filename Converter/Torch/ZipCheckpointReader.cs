using System.IO.Compression;

namespace ShuffleNetGpu.Converter.Torch;

/// <summary>torch.save from 1.6 on: a zip holding `&lt;root&gt;/data.pkl` (the object) and `&lt;root&gt;/data/&lt;key&gt;`
/// (one raw storage each). The root folder's name varies, so entries are matched by suffix.</summary>
internal static class ZipCheckpointReader
{
    private const int MaxPickleBytes = 256 << 20;
    private const long MaxDeflateRatio = 1100;   // deflate cannot expand more than ~1032:1; more is a lie

    public static List<TorchTensor> Read(Stream stream)
    {
        long archiveBytes = stream.Length - stream.Position;
        using var zip = Guard(() => new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true));
        var entries = Guard(() => IndexEntries(zip));

        var pickles = entries.Where(e => e.Key == "data.pkl" || e.Key.EndsWith("/data.pkl", StringComparison.Ordinal)).ToList();
        if (pickles.Count != 1)
            throw new TorchFormatError($"the zip archive holds {pickles.Count} data.pkl entries, expected one (<root>/data.pkl)");
        string root = pickles[0].Key[..^"data.pkl".Length];

        if (entries.TryGetValue(root + "byteorder", out var byteOrder)
            && !Guard(() => ReadEntry(byteOrder, Math.Min(byteOrder.Length, 16), archiveBytes, "byteorder")).AsSpan().SequenceEqual("little"u8))
            throw new TorchFormatError("was saved big-endian (or with an unknown byteorder entry); only little-endian is supported");

        var pickleEntry = pickles[0].Value;
        if (pickleEntry.Length > MaxPickleBytes)
            throw new TorchFormatError($"data.pkl claims {pickleEntry.Length} bytes (at most {MaxPickleBytes})");
        byte[] pickle = Guard(() => ReadEntry(pickleEntry, pickleEntry.Length, archiveBytes, "data.pkl"));

        var storages = new StorageTable();
        object? rootObject = RestrictedUnpickler.Load(new BoundedReader(new MemoryStream(pickle, writable: false)), "data.pkl", storages.Resolve);
        var tensors = StateDictExtractor.Extract(rootObject);

        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string key in tensors.Select(t => t.Tensor.Storage.Key).Distinct(StringComparer.Ordinal))
        {
            storages.TryGet(key, out var type, out long numel);
            if (!entries.TryGetValue(root + "data/" + key, out var entry))
                throw new TorchFormatError($"storage '{PickleValues.Truncate(key)}' has no entry {PickleValues.Truncate(root)}data/{PickleValues.Truncate(key)} in the zip archive");
            long bytes = numel * type.ElementSize();
            if (entry.Length != bytes)
                throw new TorchFormatError($"storage '{PickleValues.Truncate(key)}' should be {numel} x {type} = {bytes} bytes, but its zip entry holds {entry.Length}");
            data[key] = Guard(() => ReadEntry(entry, bytes, archiveBytes, "storage " + key));
        }
        return StorageDecoder.Materialize(tensors, data);
    }

    private static Dictionary<string, ZipArchiveEntry> IndexEntries(ZipArchive zip)
    {
        var byName = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
            if (!byName.TryAdd(entry.FullName, entry))
                throw new TorchFormatError($"the zip archive holds '{PickleValues.Truncate(entry.FullName)}' twice");
        return byName;
    }

    /// <summary>Exactly <paramref name="length"/> bytes of an entry. A buffer of the full size is allocated up front
    /// only when the archive physically holds that many bytes (a stored entry); otherwise the data is gathered as
    /// it decompresses, so a forged size costs no more memory than the data really there.</summary>
    private static byte[] ReadEntry(ZipArchiveEntry entry, long length, long archiveBytes, string what)
    {
        if (length < 0 || length > entry.Length || length > Array.MaxLength
            || length > checked(Math.Min(entry.CompressedLength, archiveBytes) * MaxDeflateRatio))
            throw new TorchFormatError($"zip entry {PickleValues.Truncate(what)} cannot hold {length} bytes (entry {entry.Length}, compressed {entry.CompressedLength})");
        using var content = entry.Open();
        if (length <= Math.Min(entry.CompressedLength, archiveBytes))
        {
            var buffer = new byte[length];
            content.ReadExactly(buffer);
            return buffer;
        }
        var gathered = new MemoryStream();
        var chunk = new byte[1 << 16];
        while (gathered.Length < length)
        {
            int read = content.Read(chunk, 0, (int)Math.Min(chunk.Length, length - gathered.Length));
            if (read == 0) throw new TorchFormatError($"zip entry {PickleValues.Truncate(what)} ends after {gathered.Length} of {length} bytes");
            gathered.Write(chunk, 0, read);
        }
        return gathered.ToArray();
    }

    // ZipArchive reports a damaged archive with several exception types; all mean "not a readable zip".
    private static T Guard<T>(Func<T> zipCall)
    {
        try
        {
            return zipCall();
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or ArgumentException or IOException)
        {
            throw new TorchFormatError($"is not a readable zip archive ({e.Message})");
        }
    }
}
