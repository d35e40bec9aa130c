using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ShuffleNetGpu.Imaging;

/// <summary>
/// A window of <see cref="ImagePreprocessor.ResizeLinear"/>'s output, as B, G, R float planes, computed without the
/// rest: only the window's columns are resized horizontally, only the source rows its rows read, two rows at a time.
/// Every output pixel is the same integer arithmetic as the whole-image resize (OpenCV's 8-bit INTER_LINEAR), so the
/// result equals resize-then-crop bit for bit; for upstream's 256-then-224 crop of a 500x375 photograph it does about
/// half the work and allocates nothing but the output.
/// </summary>
static class ResizeCrop
{
    /// <summary>
    /// Writes the <paramref name="cropWidth"/> x <paramref name="cropHeight"/> window at (<paramref name="left"/>,
    /// <paramref name="top"/>) of <paramref name="src"/> resized to <paramref name="newWidth"/> x
    /// <paramref name="newHeight"/> into <paramref name="planes"/>: B, then G, then R, each row-major.
    /// </summary>
    /// <param name="src">Pixels, row-major, <paramref name="bytesPerPixel"/> bytes each, R, G, B first (RGB or RGBA).</param>
    /// <param name="width">Source pixels per row.</param>
    /// <param name="height">Source rows.</param>
    /// <param name="bytesPerPixel">3 (RGB) or 4 (RGBA, the fourth byte ignored).</param>
    /// <param name="newWidth">Width of the (virtual) resized image.</param>
    /// <param name="newHeight">Height of the (virtual) resized image.</param>
    /// <param name="left">The window's first column in the resized image.</param>
    /// <param name="top">The window's first row in the resized image.</param>
    /// <param name="cropWidth">The window's width.</param>
    /// <param name="cropHeight">The window's height.</param>
    /// <param name="planes">3 x <paramref name="cropHeight"/> x <paramref name="cropWidth"/> floats.</param>
    /// <param name="simd">False forces the scalar horizontal pass (tests compare the two).</param>
    public static void ToPlanes(ReadOnlySpan<byte> src, int width, int height, int bytesPerPixel, int newWidth, int newHeight,
        int left, int top, int cropWidth, int cropHeight, Span<float> planes, bool simd = true)
    {
        if (bytesPerPixel is not (3 or 4)) throw new ArgumentOutOfRangeException(nameof(bytesPerPixel), bytesPerPixel, "expected 3 or 4");
        if (width <= 0 || height <= 0 || left < 0 || top < 0 || cropWidth <= 0 || cropHeight <= 0
            || left + cropWidth > newWidth || top + cropHeight > newHeight)
            throw new ArgumentOutOfRangeException(nameof(left), $"window {cropWidth}x{cropHeight} at ({left}, {top}) outside {newWidth}x{newHeight}");
        if (src.Length < (long)width * height * bytesPerPixel) throw new ArgumentException("fewer bytes than width x height x bytesPerPixel", nameof(src));
        if (planes.Length != 3 * cropWidth * cropHeight) throw new ArgumentException("expected 3 x cropHeight x cropWidth floats", nameof(planes));

        // Horizontal tables for the window's columns only; the formulas are ResizeLinear's, per destination column.
        double scaleX = LinearTaps.Scale(width, newWidth);
        var x0 = new int[cropWidth];
        var x1 = new int[cropWidth];
        var weights = new int[cropWidth]; // a0 in the low 16 bits, a1 in the high: one pmaddwd pair
        for (int k = 0; k < cropWidth; k++)
        {
            var (s0, s1, a0, a1) = LinearTaps.Column(left + k, scaleX, width);
            x0[k] = s0 * bytesPerPixel;
            x1[k] = s1 * bytesPerPixel; // weight is 0 when clamped
            weights[k] = a0 | (a1 << 16);
        }

        // Two cached horizontal rows (4 ints per pixel: R, G, B, unused), keyed by source row.
        int rowLength = cropWidth * 4;
        var rows = new int[2 * rowLength];
        int[] cached = [-1, -1];
        var blended = new byte[rowLength];
        int plane = cropWidth * cropHeight;
        double scaleY = LinearTaps.Scale(height, newHeight);
        var table = new Columns(x0, x1, weights, simd);
        for (int k = 0; k < cropHeight; k++)
        {
            var (r0, r1, b0, b1) = LinearTaps.Row(top + k, scaleY, height);
            int slot0 = Row(src, width * bytesPerPixel, r0, keep: r1, table, cached, rows),
                slot1 = Row(src, width * bytesPerPixel, r1, keep: r0, table, cached, rows);
            ImagePreprocessor.BlendRows(rows.AsSpan(slot0 * rowLength, rowLength), rows.AsSpan(slot1 * rowLength, rowLength), b0, b1, blended);
            Span<float> blue = planes.Slice(k * cropWidth, cropWidth);
            Span<float> green = planes.Slice(plane + k * cropWidth, cropWidth);
            Span<float> red = planes.Slice(2 * plane + k * cropWidth, cropWidth);
            for (int x = 0; x < cropWidth; x++)
            {
                red[x] = blended[4 * x];
                green[x] = blended[4 * x + 1];
                blue[x] = blended[4 * x + 2];
            }
        }
    }

    /// <summary>The horizontal tables: per window column, the byte offsets of the two source pixels and the packed weights.</summary>
    readonly record struct Columns(int[] X0, int[] X1, int[] Weights, bool Simd);

    /// <summary>The slot (0 or 1) of <paramref name="rows"/> holding source row <paramref name="r"/>'s horizontal sums,
    /// computed into the slot not holding row <paramref name="keep"/> when neither has it.</summary>
    static int Row(ReadOnlySpan<byte> src, int lineBytes, int r, int keep, Columns table, int[] cached, int[] rows)
    {
        if (cached[0] == r) return 0;
        if (cached[1] == r) return 1;
        int slot = cached[0] == keep && keep != r ? 1 : 0;
        cached[slot] = r;
        ReadOnlySpan<byte> line = src.Slice(r * lineBytes, lineBytes);
        int rowLength = rows.Length / 2;
        Span<int> h = rows.AsSpan(slot * rowLength, rowLength);
        if (table.Simd && Sse2.IsSupported) HorizontalSse2(line, table.X0, table.X1, table.Weights, h);
        else HorizontalScalar(line, table.X0, table.X1, table.Weights, h);
        return slot;
    }

    /// <summary>h[4k + c] = s[x0 + c] * a0 + s[x1 + c] * a1 for c = R, G, B (the int32 sums of OpenCV's horizontal pass).</summary>
    static void HorizontalScalar(ReadOnlySpan<byte> line, int[] x0, int[] x1, int[] weights, Span<int> h)
    {
        for (int k = 0; k < x0.Length; k++)
        {
            int a0 = weights[k] & 0xFFFF, a1 = weights[k] >> 16, i0 = x0[k], i1 = x1[k];
            h[4 * k] = line[i0] * a0 + line[i1] * a1;
            h[4 * k + 1] = line[i0 + 1] * a0 + line[i1 + 1] * a1;
            h[4 * k + 2] = line[i0 + 2] * a0 + line[i1 + 2] * a1;
            h[4 * k + 3] = 0;
        }
    }

    /// <summary>
    /// The same sums with one pmaddwd per pixel: the two source pixels' bytes interleaved (R0 R1 G0 G1 ..) and widened
    /// to 16 bits, times (a0, a1) pairs, adjacent products added in 32 bits (at most 255 x 2048 x 2: no overflow).
    /// A pixel's 4 bytes are read as one int: for RGB the fourth is the next pixel's R (or, at the row's last pixel,
    /// handled by the scalar tail), and lands in the unused lane.
    /// </summary>
    static void HorizontalSse2(ReadOnlySpan<byte> line, int[] x0, int[] x1, int[] weights, Span<int> h)
    {
        ref byte s = ref MemoryMarshal.GetReference(line);
        ref int d = ref MemoryMarshal.GetReference(h);
        int count = x0.Length, k = 0;
        // Pixels whose 4-byte reads stay inside the row (all of them for RGBA).
        for (; k < count && x1[k] + 4 <= line.Length && x0[k] + 4 <= line.Length; k++)
        {
            var p0 = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref s, x0[k]))).AsByte();
            var p1 = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref s, x1[k]))).AsByte();
            var pairs = Sse2.UnpackLow(Sse2.UnpackLow(p0, p1), Vector128<byte>.Zero).AsInt16();
            var sums = Sse2.MultiplyAddAdjacent(pairs, Vector128.Create(weights[k]).AsInt16());
            sums.StoreUnsafe(ref Unsafe.Add(ref d, 4 * k));
        }
        for (; k < count; k++)
        {
            int a0 = weights[k] & 0xFFFF, a1 = weights[k] >> 16, i0 = x0[k], i1 = x1[k];
            h[4 * k] = line[i0] * a0 + line[i1] * a1;
            h[4 * k + 1] = line[i0 + 1] * a0 + line[i1 + 1] * a1;
            h[4 * k + 2] = line[i0 + 2] * a0 + line[i1 + 2] * a1;
            h[4 * k + 3] = 0;
        }
    }
}
