using System.Buffers.Binary;

namespace ShuffleNetGpu.Converter.Torch;

/// <summary>Reads from a seekable stream through a small buffer (the unpickler reads byte by byte) and checks the
/// bytes actually left before every read, so a length field claiming terabytes fails at once instead of
/// allocating or blocking. Positions are absolute stream offsets.</summary>
internal sealed class BoundedReader
{
    private const int BufferSize = 1 << 16;

    private readonly Stream _stream;
    private readonly long _length;
    private readonly byte[] _buffer = new byte[BufferSize];
    private long _bufferStart;   // stream offset of _buffer[0]
    private int _count;          // valid bytes in _buffer
    private int _next;           // next byte to hand out

    public BoundedReader(Stream stream)
    {
        _stream = stream;
        _length = stream.Length;
        _bufferStart = stream.Position;
    }

    public long Position => _bufferStart + _next;
    public long Remaining => _length - Position;

    public void Need(long count)
    {
        if (count < 0 || count > Remaining)
            throw new TorchFormatError($"needs {count} bytes at byte {Position} but only {Remaining} remain (truncated or corrupt file)");
    }

    public byte ReadByte()
    {
        if (_next == _count)
        {
            Need(1);
            Refill(0);
        }
        return _buffer[_next++];
    }

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(ReadSpan(2));
    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(ReadSpan(4));
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(4));
    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(ReadSpan(8));
    public double ReadDoubleBigEndian() => BinaryPrimitives.ReadDoubleBigEndian(ReadSpan(8));

    /// <summary>The next <paramref name="count"/> bytes; the span is valid only until the next read.</summary>
    public ReadOnlySpan<byte> ReadSpan(int count)
    {
        Need(count);
        if (count > BufferSize)
        {
            var large = new byte[count];
            ReadInto(large);
            return large;
        }
        if (_count - _next < count) Refill(count);
        var span = _buffer.AsSpan(_next, count);
        _next += count;
        return span;
    }

    /// <summary>Fills <paramref name="destination"/>: first from the buffer, the rest straight from the stream.</summary>
    public void ReadInto(Span<byte> destination)
    {
        Need(destination.Length);
        int fromBuffer = Math.Min(_count - _next, destination.Length);
        _buffer.AsSpan(_next, fromBuffer).CopyTo(destination);
        _next += fromBuffer;
        if (fromBuffer == destination.Length) return;

        _bufferStart += _count;   // the buffer is drained; the stream stands at _bufferStart
        _next = _count = 0;
        _stream.ReadExactly(destination[fromBuffer..]);
        _bufferStart += destination.Length - fromBuffer;
    }

    public void Skip(long count)
    {
        Need(count);
        if (count <= _count - _next)
        {
            _next += (int)count;
            return;
        }
        long target = Position + count;
        _stream.Seek(target, SeekOrigin.Begin);
        _bufferStart = target;
        _next = _count = 0;
    }

    // Keeps the unread bytes, moved to the front, and reads until at least `atLeast` (>= 1) are there.
    private void Refill(int atLeast)
    {
        int left = _count - _next;
        Buffer.BlockCopy(_buffer, _next, _buffer, 0, left);
        _bufferStart += _next;
        _next = 0;
        _count = left;
        do
        {
            int read = _stream.Read(_buffer, _count, BufferSize - _count);
            if (read == 0) throw new EndOfStreamException();
            _count += read;
        }
        while (_count < Math.Max(atLeast, 1));
    }
}
