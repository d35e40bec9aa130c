using System.IO.Compression;
using System.Text;

namespace ShuffleNetGpu.Tests.Converter.Torch;

/// <summary>A torch zip whose one storage entry is gigabytes of zeros deflated about 1000:1, as a hostile file
/// would ship it. Built without ever holding the zeros: one sync-flushed deflate chunk of zeros is byte-aligned
/// and non-final, and its back-references reach only zeros, so repeating it deflates any multiple of its size.
/// The zip is written by hand because ZipArchive would compress the zeros itself (seconds per gigabyte).</summary>
internal static class DeflatedZerosZip
{
    public const int ChunkBytes = 8 << 20;

    private static readonly byte[] EmptyFinalBlock = [0x03, 0x00];   // BFINAL, fixed Huffman, end-of-block

    public static byte[] Build(string root, byte[] dataPkl, string storageKey, long zeroBytes)
    {
        if (zeroBytes % ChunkBytes != 0 || zeroBytes > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(zeroBytes));
        byte[] chunk = SyncFlushedZeros();
        var deflated = new MemoryStream();
        for (long i = 0; i < zeroBytes / ChunkBytes; i++) deflated.Write(chunk);
        deflated.Write(EmptyFinalBlock);
        byte[] version = Encoding.ASCII.GetBytes("3\n");
        return Write(
        [
            new(root + "/data.pkl", Stored, Crc32(dataPkl), dataPkl, dataPkl.Length),
            new(root + "/data/" + storageKey, Deflated, ZerosCrc32(zeroBytes), deflated.ToArray(), zeroBytes),
            new(root + "/version", Stored, Crc32(version), version, version.Length),
        ]);
    }

    private const ushort Stored = 0, Deflated = 8;

    private sealed record Entry(string Name, ushort Method, uint Crc, byte[] Data, long Length);

    private static byte[] SyncFlushedZeros()
    {
        var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(new byte[ChunkBytes]);
            deflate.Flush();   // Z_SYNC_FLUSH: ends on a byte boundary without a final block
            byte[] chunk = output.ToArray();
            output.SetLength(0);
            return chunk;      // (disposing writes the final block into the discarded stream)
        }
    }

    private static byte[] Write(Entry[] entries)
    {
        var zip = new MemoryStream();
        var w = new BinaryWriter(zip);
        var offsets = new long[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            var e = entries[i];
            offsets[i] = zip.Position;
            w.Write(0x04034b50u); Common(w, e); w.Write((ushort)0);   // local header, no extra field
            w.Write(Encoding.ASCII.GetBytes(e.Name));
            w.Write(e.Data);
        }
        long directory = zip.Position;
        for (int i = 0; i < entries.Length; i++)
        {
            var e = entries[i];
            w.Write(0x02014b50u); w.Write((ushort)20); Common(w, e);
            w.Write((ushort)0); w.Write((ushort)0); w.Write((ushort)0); w.Write((ushort)0); w.Write(0u);   // extra, comment, disk, attributes
            w.Write((uint)offsets[i]);
            w.Write(Encoding.ASCII.GetBytes(e.Name));
        }
        long directoryBytes = zip.Position - directory;
        w.Write(0x06054b50u); w.Write((ushort)0); w.Write((ushort)0);
        w.Write((ushort)entries.Length); w.Write((ushort)entries.Length);
        w.Write((uint)directoryBytes); w.Write((uint)directory); w.Write((ushort)0);
        return zip.ToArray();

        // version needed, flags, method, time, date (1980-01-01), crc, sizes, name length
        static void Common(BinaryWriter w, Entry e)
        {
            w.Write((ushort)20); w.Write((ushort)0); w.Write(e.Method); w.Write((ushort)0); w.Write((ushort)0x21);
            w.Write(e.Crc); w.Write((uint)e.Data.Length); w.Write((uint)e.Length); w.Write((ushort)Encoding.ASCII.GetByteCount(e.Name));
        }
    }

    // CRC-32 (zip's, reflected polynomial 0xEDB88320).
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
        }
        return ~crc;
    }

    /// <summary>The CRC-32 of <paramref name="count"/> zero bytes without reading them: a zero byte moves the CRC
    /// register by a fixed linear map over GF(2), so count bytes apply that map's count-th power (by squaring,
    /// as zlib's crc32_combine does).</summary>
    private static uint ZerosCrc32(long count)
    {
        var op = new uint[32];
        op[0] = 0xEDB88320u;
        for (int n = 1; n < 32; n++) op[n] = 1u << (n - 1);   // one zero bit
        for (int i = 0; i < 3; i++) op = Square(op);          // one zero byte
        uint register = ~0u;
        for (long n = count; n != 0; n >>= 1, op = Square(op))
            if ((n & 1) != 0) register = Times(op, register);
        return ~register;

        static uint Times(uint[] matrix, uint vector)
        {
            uint sum = 0;
            for (int i = 0; vector != 0; i++, vector >>= 1)
                if ((vector & 1) != 0) sum ^= matrix[i];
            return sum;
        }

        static uint[] Square(uint[] matrix) => matrix.Select(row => Times(matrix, row)).ToArray();
    }
}
