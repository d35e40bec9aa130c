using System.Runtime.InteropServices;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>Floats in native memory aligned to 64 bytes (one cache line, one Vector512), freed on dispose, or by the
/// finalizer of its <see cref="SafeHandle"/> when its owner was dropped without one (an undisposed network).</summary>
internal sealed unsafe class NativeBuffer : IDisposable
{
    public const int Alignment = 64;

    static long s_liveBytes;

    readonly AlignedMemory _memory;
    float* _pointer;

    public NativeBuffer(long floats, bool zero = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(floats);
        Length = floats;
        nuint bytes = checked((nuint)Math.Max(1, floats) * sizeof(float));
        _memory = new AlignedMemory(bytes);
        _pointer = (float*)_memory.DangerousGetHandle();
        if (zero) NativeMemory.Clear(_pointer, bytes);
    }

    /// <summary>A copy of <paramref name="values"/>.</summary>
    public static NativeBuffer From(ReadOnlySpan<float> values)
    {
        var b = new NativeBuffer(values.Length, zero: false);
        values.CopyTo(b.Span);
        return b;
    }

    /// <summary>Bytes held by every buffer in the process that is not freed yet.</summary>
    public static long LiveBytes => Interlocked.Read(ref s_liveBytes);

    /// <summary>The first float. The owner keeps this buffer reachable while the address is in use.</summary>
    public float* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(NativeBuffer));
    public long Length { get; }
    public long Bytes => Length * sizeof(float);
    public Span<float> Span => new(Pointer, checked((int)Length));

    public void Dispose()
    {
        if (_pointer == null) return;
        _pointer = null;
        _memory.Dispose();
    }

    /// <summary>The allocation itself: freed once, by <see cref="Dispose"/> or by the finalizer; tells the GC how much
    /// native memory an unreachable buffer holds, so abandoned ones are collected in time.</summary>
    sealed class AlignedMemory : SafeHandle
    {
        readonly long _bytes;

        public AlignedMemory(nuint bytes) : base(0, ownsHandle: true)
        {
            SetHandle((nint)NativeMemory.AlignedAlloc(bytes, Alignment));
            _bytes = (long)bytes;
            GC.AddMemoryPressure(_bytes);
            Interlocked.Add(ref s_liveBytes, _bytes);
        }

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            NativeMemory.AlignedFree((void*)handle);
            GC.RemoveMemoryPressure(_bytes);
            Interlocked.Add(ref s_liveBytes, -_bytes);
            return true;
        }
    }
}
