using System.Buffers;
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

        if (entries.TryGetValue(root + "byteorder", out var byteOrder))
        {
            int length = (int)Math.Min(byteOrder.Length, 16);
            bool little = false;
            WithEntry(byteOrder, length, archiveBytes, "byteorder", b => little = b.AsSpan(0, length).SequenceEqual("little"u8));
            if (!little) throw new TorchFormatError("was saved big-endian (or with an unknown byteorder entry); only little-endian is supported");
        }

        var pickleEntry = pickles[0].Value;
        if (pickleEntry.Length > MaxPickleBytes)
            throw new TorchFormatError($"data.pkl claims {pickleEntry.Length} bytes (at most {MaxPickleBytes})");
        var storages = new StorageTable();
        object? rootObject = null;
        WithEntry(pickleEntry, pickleEntry.Length, archiveBytes, "data.pkl", b =>
            rootObject = RestrictedUnpickler.Load(new BoundedReader(new MemoryStream(b, 0, (int)pickleEntry.Length, writable: false)), "data.pkl", storages.Resolve));
        var tensors = new TensorAssembler(StateDictExtractor.Extract(rootObject), storages, archiveBytes);

        var storageEntries = new List<(string Key, ZipArchiveEntry Entry, long Bytes)>();
        foreach (string key in tensors.StorageKeys)
        {
            storages.TryGet(key, out var type, out long numel);
            if (!entries.TryGetValue(root + "data/" + key, out var entry))
                throw new TorchFormatError($"storage '{PickleValues.Truncate(key)}' has no entry {PickleValues.Truncate(root)}data/{PickleValues.Truncate(key)} in the zip archive");
            long bytes = numel * type.ElementSize();
            if (entry.Length != bytes)
                throw new TorchFormatError($"storage '{PickleValues.Truncate(key)}' should be {numel} x {type} = {bytes} bytes, but its zip entry holds {entry.Length}");
            storageEntries.Add((key, entry, bytes));
        }
        tensors.CheckMemory();
        foreach (var (key, entry, bytes) in storageEntries)
            WithEntry(entry, bytes, archiveBytes, "storage " + key, b => tensors.Fill(key, b.AsSpan(0, (int)bytes)));
        return tensors.Finish();
    }

    /// <summary>Reads the first <paramref name="length"/> bytes of an entry and hands them to <paramref name="use"/>
    /// (in a buffer that may be longer), then returns the buffer to the pool.</summary>
    private static void WithEntry(ZipArchiveEntry entry, long length, long archiveBytes, string what, Action<byte[]> use)
    {
        var (buffer, pooled) = Guard(() => ReadEntry(entry, length, archiveBytes, what));
        try
        {
            use(buffer);
        }
        finally
        {
            if (pooled) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Dictionary<string, ZipArchiveEntry> IndexEntries(ZipArchive zip)
    {
        var byName = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
            if (!byName.TryAdd(entry.FullName, entry))
                throw new TorchFormatError($"the zip archive holds '{PickleValues.Truncate(entry.FullName)}' twice");
        return byName;
    }

    /// <summary>The first <paramref name="length"/> bytes of an entry, in a buffer that may be longer (and, when
    /// <c>Pooled</c>, must go back to the shared pool). A full-size buffer is taken up front only when the archive
    /// physically holds that many bytes (a stored entry); otherwise the data is gathered as it decompresses, so a
    /// forged size costs no more memory than the data really there.</summary>
    private static (byte[] Buffer, bool Pooled) ReadEntry(ZipArchiveEntry entry, long length, long archiveBytes, string what)
    {
        if (length < 0 || length > entry.Length || length > Array.MaxLength
            || length > checked(Math.Min(entry.CompressedLength, archiveBytes) * MaxDeflateRatio))
            throw new TorchFormatError($"zip entry {PickleValues.Truncate(what)} cannot hold {length} bytes (entry {entry.Length}, compressed {entry.CompressedLength})");
        using var content = entry.Open();
        if (length <= Math.Min(entry.CompressedLength, archiveBytes))
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent((int)length);
            try
            {
                content.ReadExactly(buffer, 0, (int)length);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
            return (buffer, true);
        }
        var gathered = new MemoryStream();
        var chunk = new byte[1 << 16];
        while (gathered.Length < length)
        {
            int read = content.Read(chunk, 0, (int)Math.Min(chunk.Length, length - gathered.Length));
            if (read == 0) throw new TorchFormatError($"zip entry {PickleValues.Truncate(what)} ends after {gathered.Length} of {length} bytes");
            gathered.Write(chunk, 0, read);
        }
        return (gathered.GetBuffer(), false);
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
