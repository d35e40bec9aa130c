using System.Buffers.Binary;

namespace ShuffleNetGpu.Converter.Torch;

/// <summary>Little reads from a seekable stream that check the bytes actually left before reading or allocating,
/// so a length field claiming terabytes fails at once instead of allocating or blocking.</summary>
internal sealed class BoundedReader(Stream stream)
{
    private readonly byte[] _scratch = new byte[8];

    public Stream Stream { get; } = stream;
    public long Position => Stream.Position;
    public long Remaining => Stream.Length - Stream.Position;

    public void Need(long count)
    {
        if (count < 0 || count > Remaining)
            throw new TorchFormatError($"needs {count} bytes at byte {Position} but only {Remaining} remain (truncated or corrupt file)");
    }

    public byte ReadByte()
    {
        int b = Stream.ReadByte();
        if (b < 0) throw new TorchFormatError($"ends early at byte {Position} (truncated file)");
        return (byte)b;
    }

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Fill(2));
    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Fill(4));
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Fill(4));
    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Fill(8));
    public double ReadDoubleBigEndian() => BinaryPrimitives.ReadDoubleBigEndian(Fill(8));

    public byte[] ReadBytes(long count)
    {
        Need(count);
        if (count > Array.MaxLength) throw new TorchFormatError($"a block of {count} bytes at byte {Position} is larger than one array can hold");
        var buffer = new byte[count];
        Stream.ReadExactly(buffer);
        return buffer;
    }

    public void Skip(long count)
    {
        Need(count);
        Stream.Seek(count, SeekOrigin.Current);
    }

    private ReadOnlySpan<byte> Fill(int count)
    {
        Need(count);
        Stream.ReadExactly(_scratch, 0, count);
        return _scratch.AsSpan(0, count);
    }
}
