using System.Runtime.InteropServices;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>Floats in native memory aligned to 64 bytes (one cache line, one Vector512), freed on dispose.</summary>
internal sealed unsafe class NativeBuffer : IDisposable
{
    public const int Alignment = 64;

    public NativeBuffer(long floats, bool zero = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(floats);
        Length = floats;
        nuint bytes = (nuint)Math.Max(1, floats) * sizeof(float);
        Pointer = (float*)NativeMemory.AlignedAlloc(bytes, Alignment);
        if (zero) NativeMemory.Clear(Pointer, bytes);
    }

    /// <summary>A copy of <paramref name="values"/>.</summary>
    public static NativeBuffer From(ReadOnlySpan<float> values)
    {
        var b = new NativeBuffer(values.Length, zero: false);
        values.CopyTo(b.Span);
        return b;
    }

    public float* Pointer { get; private set; }
    public long Length { get; }
    public long Bytes => Length * sizeof(float);
    public Span<float> Span => new(Pointer, checked((int)Length));

    public void Dispose()
    {
        if (Pointer == null) return;
        NativeMemory.AlignedFree(Pointer);
        Pointer = null;
    }
}
