using System.Buffers.Binary;
using System.Text;

namespace ShuffleNetGpu.Imaging.Decoding;

/// <summary>
/// Refuses a PNG or JPEG cut short, as PIL does ("image file is truncated"): both decoders used here would fill the
/// missing rows (black or grey) without complaint.
/// </summary>
static class CompleteFile
{
    static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Walks the PNG chunk list (lengths only) and requires every chunk to fit in the file and an IEND
    /// chunk at the end.</summary>
    public static void CheckPng(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < 8 || !bytes[..8].SequenceEqual(PngSignature)) return;
        long length = bytes.Length, offset = 8;
        while (true)
        {
            if (offset + 8 > length)
                throw ImageDecoder.Bad(name, $"truncated PNG: the file ends at byte {length} without an IEND chunk");
            var head = bytes.Slice((int)offset, 8);
            long chunkLength = BinaryPrimitives.ReadUInt32BigEndian(head);
            string type = Encoding.ASCII.GetString(head[4..]);
            if (offset + 12 + chunkLength > length)
                throw ImageDecoder.Bad(name, $"truncated PNG: chunk {type} at byte {offset} needs {chunkLength + 12} bytes, the file ends at byte {length}");
            if (type == "IEND") return;
            offset += 12 + chunkLength;
        }
    }

    /// <summary>
    /// A JPEG's entropy-coded data can hold 0xFF only as FF 00 or a restart marker, so a complete file has an
    /// end-of-image marker (FF D9) after its last start-of-scan (FF DA); an embedded thumbnail's EOI comes before the
    /// main scan and does not count.
    /// </summary>
    public static void CheckJpeg(ReadOnlySpan<byte> bytes, string name)
    {
        int lastScan = bytes.LastIndexOf([(byte)0xFF, (byte)0xDA]);
        int lastEnd = bytes.LastIndexOf([(byte)0xFF, (byte)0xD9]);
        if (lastScan < 0 || lastEnd < lastScan)
            throw ImageDecoder.Bad(name, $"truncated JPEG: no end-of-image marker after the last scan (the file ends at byte {bytes.Length})");
    }
}
