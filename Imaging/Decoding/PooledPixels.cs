using System.Buffers;

namespace ShuffleNetGpu.Imaging.Decoding;

/// <summary>
/// Decoded pixels in a buffer rented from <see cref="ArrayPool{T}.Shared"/> (a 500x375 RGBA image is 750 KB: a fresh
/// large-object-heap array per image costs zeroing and gen-2 collections that stall every worker); give it back with
/// <see cref="Dispose"/>. The buffer may be longer than the pixels.
/// </summary>
/// <param name="Buffer">The pixels, row-major, <paramref name="BytesPerPixel"/> bytes each, R, G, B first.</param>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
/// <param name="BytesPerPixel">3 (RGB) or 4 (RGBA, the fourth byte unused).</param>
/// <param name="Rented">Whether <paramref name="Buffer"/> goes back to the pool.</param>
readonly record struct PooledPixels(byte[] Buffer, int Width, int Height, int BytesPerPixel, bool Rented) : IDisposable
{
    /// <summary>The pixel bytes, without the buffer's spare tail.</summary>
    public ReadOnlySpan<byte> Pixels => Buffer.AsSpan(0, Width * Height * BytesPerPixel);

    public void Dispose()
    {
        if (Rented) ArrayPool<byte>.Shared.Return(Buffer);
    }
}
