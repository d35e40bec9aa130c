using System.Runtime.CompilerServices;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// Reading a k-tap window along an input row straight from the tensor, one output vector at a time, for stride 1
/// or 2 and zero padding k / 2, without a padded copy: tap kx of output x reads column <c>s x + kx - k/2</c>.
/// At stride 1 that is one load per tap, shifted by kx. At stride 2, write the tap offset q = kx - k/2 as
/// <c>2 * shift + parity</c>: the tap is the even (parity 0) or odd (parity 1) element of the pair run starting at
/// <c>2 (x + shift)</c>, so each shift costs two loads and a deinterleave, shared by the taps of both parities.
/// Columns outside the row are masked off in the loads (the masks are precomputed per output vector), so they read
/// as 0 and nothing outside the row is touched, even before the start of the first row of a buffer.
/// Used by the depthwise convolution and the 3x3 pools.
/// </summary>
internal sealed unsafe class StridedRows : IDisposable
{
    readonly NativeBuffer _masks;

    /// <param name="w">Input row length.</param>
    /// <param name="wo">Outputs per row.</param>
    /// <param name="k">Taps (odd); padding k / 2.</param>
    /// <param name="stride">1 or 2.</param>
    /// <param name="width">Floats per vector of the path.</param>
    public StridedRows(int w, int wo, int k, int stride, int width)
    {
        if (stride is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(stride), stride, "1 or 2");
        W = w;
        Wo = wo;
        K = k;
        Stride = stride;
        Width = width;
        Pad = k / 2;
        Vectors = (wo + width - 1) / width;
        ShiftMin = FloorDiv(-Pad, 2);
        Shifts = stride == 1 ? k : FloorDiv(Pad, 2) - ShiftMin + 1;
        // Stride 1: a mask per (vector, tap); stride 2: per (vector, shift, half of the pair).
        int perVector = stride == 1 ? k : 2 * Shifts;
        // Slack: the depthwise kernels load a fixed number of masks per output vector (3x3: four, 5x5 and 7x7: eight).
        _masks = new NativeBuffer((long)(Vectors * perVector + 8) * width);
        for (int j = 0; j < Vectors; j++)
            for (int m = 0; m < perVector; m++)
                for (int l = 0; l < width; l++)
                {
                    int column = stride == 1
                        ? j * width + l + m - Pad
                        : 2 * (j * width + ShiftMin + m / 2) + (m % 2) * width + l;
                    _masks.Pointer[((long)j * perVector + m) * width + l] = column >= 0 && column < w ? BitConverter.Int32BitsToSingle(-1) : 0f;
                }
        _perVector = perVector;
    }

    readonly int _perVector;

    public int W { get; }
    public int Wo { get; }
    public int K { get; }
    public int Stride { get; }
    public int Width { get; }
    public int Pad { get; }

    /// <summary>Output vectors per row (the last one may be partial).</summary>
    public int Vectors { get; }

    /// <summary>Stride 2: the smallest pair shift (floor(-Pad / 2)) and the number of shifts.</summary>
    public int ShiftMin { get; }
    public int Shifts { get; }

    static int FloorDiv(int a, int b) => (int)Math.Floor((double)a / b);

    /// <summary>Masks of output vector <paramref name="j"/>: stride 1, tap kx at [kx]; stride 2, shift i's halves at [2 i], [2 i + 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float* Masks(int j) => _masks.Pointer + (long)j * _perVector * Width;

    /// <summary>Stride 1: the tap-<paramref name="kx"/> vector of the output vector at column <paramref name="x0"/> from <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Tap<TS, TV>(float* row, int x0, int kx, int pad, float* masks) where TS : ISimd<TV> where TV : unmanaged =>
        TS.LoadMasked(row + x0 + kx - pad, TS.Load(masks + kx * TS.Width));

    /// <summary>Stride 2: the even and odd elements of the pair run at shift index <paramref name="i"/> (shift ShiftMin + i).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pair<TS, TV>(float* row, int x0, int shift, int i, float* masks, out TV even, out TV odd) where TS : ISimd<TV> where TV : unmanaged
    {
        float* p = row + 2 * (x0 + shift);
        var lo = TS.LoadMasked(p, TS.Load(masks + 2 * i * TS.Width));
        var hi = TS.LoadMasked(p + TS.Width, TS.Load(masks + (2 * i + 1) * TS.Width));
        TS.Deinterleave(lo, hi, out even, out odd);
    }

    /// <summary><see cref="Pair{TS, TV}(float*, int, int, int, float*, out TV, out TV)"/> with <paramref name="fill"/>
    /// for the columns outside the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pair<TS, TV>(float* row, int x0, int shift, int i, float* masks, TV fill, out TV even, out TV odd) where TS : ISimd<TV> where TV : unmanaged
    {
        float* p = row + 2 * (x0 + shift);
        var lo = TS.LoadMaskedOr(p, TS.Load(masks + 2 * i * TS.Width), fill);
        var hi = TS.LoadMaskedOr(p + TS.Width, TS.Load(masks + (2 * i + 1) * TS.Width), fill);
        TS.Deinterleave(lo, hi, out even, out odd);
    }

    public void Dispose() => _masks.Dispose();
}
