using System.Runtime.CompilerServices;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// A channel map padded by <see cref="Pad"/> on every side and split into Stride x Stride phase planes, so that a
/// k x k window at stride 1 or 2 becomes k x k contiguous vector loads: phase (a, b) holds
/// <c>Q[y'][x'] = P[s y' + a][s x' + b]</c> where P is the padded map, row pitch <see cref="Pitch"/>. Output (y, x)
/// of a stride-s window reads tap (ky, kx) at phase (ky % s, kx % s), row <c>y + ky / s</c>, column <c>x + kx / s</c>:
/// over the flattened index <c>i = y * Pitch + x</c> every tap is a contiguous run, so a whole plane is one 1-D loop
/// (the columns x &gt;= output width are computed and dropped). The general convolution's im2col and the depthwise
/// convolution's 5x5 and 7x7 on large maps read their inputs this way.
/// </summary>
internal readonly record struct PaddedPlanes(int H, int W, int Pad, int Stride)
{
    /// <summary>Row pitch of a phase plane (ceil((W + 2 Pad) / Stride)).</summary>
    public int Pitch => (W + 2 * Pad + Stride - 1) / Stride;

    /// <summary>Phase-plane rows covering the padded map.</summary>
    public int Rows => (H + 2 * Pad + Stride - 1) / Stride;

    /// <summary>Floats of one phase plane holding <paramref name="rows"/> rows, with room for a vector read past the end.</summary>
    public int PlaneFloats(int rows) => ((rows + 1) * Pitch + 32 + 15) & ~15;

    /// <summary>Floats of all Stride x Stride phases of <paramref name="rows"/> rows.</summary>
    public int Floats(int rows) => Stride * Stride * PlaneFloats(rows);

    /// <summary>Where tap (ky, kx) of output (0, 0) lies in phases built for <paramref name="rows"/> rows: phase
    /// (ky % s, kx % s), row ky / s, column kx / s. Output (y, x) reads it <c>y * Pitch + x</c> further on.</summary>
    public nint TapOffset(int ky, int kx, int rows) =>
        (nint)(ky % Stride * Stride + kx % Stride) * PlaneFloats(rows) + (nint)(ky / Stride) * Pitch + kx / Stride;

    /// <summary>
    /// Fills phase rows [<paramref name="row0"/>, <paramref name="row0"/> + <paramref name="rows"/>) of every phase
    /// from the H x W map at <paramref name="src"/> (row pitch W), padding with <paramref name="padValue"/>; phase
    /// (a, b) goes to <c>dst + (a * Stride + b) * PlaneFloats(rows)</c>, its row <paramref name="row0"/> first. The
    /// slack after the last row is filled with the pad value too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void Build<TS, TV>(float* src, int row0, int rows, float padValue, float* dst, bool padded = false)
        where TS : ISimd<TV> where TV : unmanaged
    {
        if (!padded) Padding<TS, TV>(row0, rows, padValue, dst);
        Interior<TS, TV>(src, row0, rows, padValue, dst);
    }

    /// <summary>Everything <see cref="Build"/> writes that does not come from the source: the padding of every phase row
    /// and the slack. Padding goes in whole vectors, so a vector may run past a row's padding into what follows it; the
    /// source values are written after (<see cref="Interior"/>), and a neighbouring row's padding gets the same value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    unsafe void Padding<TS, TV>(int row0, int rows, float padValue, float* dst) where TS : ISimd<TV> where TV : unmanaged
    {
        int s = Stride, pitch = Pitch, plane = PlaneFloats(rows);
        TV pad = TS.Splat(padValue);
        for (int a = 0; a < s; a++)
        {
            var (r0, r1) = SourceRows(a, row0, rows);
            for (int b = 0; b < s; b++)
            {
                float* q = dst + (a * s + b) * plane;
                int first = First(b), count = Count(b);
                for (int r = 0; r < rows; r++)
                {
                    float* row = q + r * pitch;
                    if (r < r0 || r >= r1 || count <= 0)
                    {
                        FillOver<TS, TV>(row, pitch, pad);
                        continue;
                    }
                    if (first > 0) FillOver<TS, TV>(row, first, pad);
                    if (first + count < pitch) FillOver<TS, TV>(row + first + count, pitch - first - count, pad);
                }
                // The slack after the last row, exactly (the last phase ends the buffer).
                Fill<TS, TV>(q + rows * pitch, plane - rows * pitch, padValue);
            }
        }
    }

    /// <summary>What <see cref="Build"/> writes from the source, and at stride 2 the padding right after each row's values
    /// again (<paramref name="padValue"/>, as <see cref="Padding"/> wrote it): alone, for <paramref name="dst"/> already
    /// built with the same geometry, rows and pad value, whose padding is still in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    unsafe void Interior<TS, TV>(float* src, int row0, int rows, float padValue, float* dst) where TS : ISimd<TV> where TV : unmanaged
    {
        TV pad = TS.Splat(padValue);
        int pitch = Pitch, plane = PlaneFloats(rows);
        if (Stride == 1)
        {
            var (r0, r1) = SourceRows(0, row0, rows);
            float* q = dst + First(0);
            for (int r = r0; r < r1; r++) Copy<TS, TV>(src + (long)(row0 + r - Pad) * W, q + r * pitch, W);
            return;
        }
        // Stride 2: both column phases of a row come from the same source row, its even columns to one and its odd
        // columns to the other (each phase's run starts at source column 0 or 1): one pass splits the row into both.
        int evenPhase = Pad % 2, oddPhase = 1 - evenPhase;
        for (int a = 0; a < 2; a++)
        {
            var (r0, r1) = SourceRows(a, row0, rows);
            float* evens = dst + (a * 2 + evenPhase) * plane + First(evenPhase), odds = dst + (a * 2 + oddPhase) * plane + First(oddPhase);
            for (int r = r0; r < r1; r++)
                CopySplit<TS, TV>(src + (long)(2 * (row0 + r) + a - Pad) * W, W, evens + r * pitch, odds + r * pitch, pad);
        }
    }

    /// <summary>The phase rows [R0, R1) of row phase <paramref name="a"/>, counted from <paramref name="row0"/> and below
    /// <paramref name="rows"/>, that hold a source row: 0 &lt;= s (row0 + r) + a - Pad &lt; H.</summary>
    (int R0, int R1) SourceRows(int a, int row0, int rows) =>
        (Math.Max(0, -FloorDiv(a - Pad, Stride) - row0), Math.Min(rows, FloorDiv(H - 1 + Pad - a, Stride) - row0 + 1));

    static int FloorDiv(int x, int y) => x >= 0 ? x / y : -((-x + y - 1) / y);

    /// <summary>The first column of column phase <paramref name="b"/> that holds a source value: columns x' with
    /// 0 &lt;= s x' + b - Pad &lt; W read the source, the rest is padding.</summary>
    int First(int b) => b - Pad >= 0 ? 0 : (Pad - b + Stride - 1) / Stride;

    /// <summary>How many columns of column phase <paramref name="b"/> hold source values, from <see cref="First"/> on.</summary>
    int Count(int b) => First(b) * Stride + b - Pad >= W ? 0 : (W - 1 - b + Pad) / Stride - First(b) + 1;

    /// <summary><c>evens[i] = from[2 i]</c> and <c>odds[i] = from[2 i + 1]</c> for the <paramref name="count"/> values at
    /// <paramref name="from"/>; reads nothing past them, and writes <paramref name="pad"/> over up to a vector after the
    /// values of each phase row (its right padding, then the next row's start).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void CopySplit<TS, TV>(float* from, int count, float* evens, float* odds, TV pad) where TS : ISimd<TV> where TV : unmanaged
    {
        int w = TS.Width, i = 0;
        for (; 2 * (i + w) <= count; i += w)
        {
            TS.Deinterleave(TS.Load(from + 2 * i), TS.Load(from + 2 * i + w), out var even, out var odd);
            TS.Store(evens + i, even);
            TS.Store(odds + i, odd);
        }
        int rest = count - 2 * i;
        if (rest > 0)
        {
            // The tail: with a vector of the row before it, plain loads ending at the row's end (lanes past it unused).
            TV lo, hi;
            if (count >= w)
            {
                lo = rest >= w ? TS.Load(from + 2 * i) : TS.LoadEnding(from + count, rest);
                hi = rest > w ? TS.LoadEnding(from + count, rest - w) : lo;
            }
            else
            {
                lo = TS.LoadMasked(from + 2 * i, TS.Mask(Math.Min(rest, w)));
                hi = TS.LoadMasked(from + 2 * i + w, TS.Mask(Math.Max(rest - w, 0)));
            }
            TS.Deinterleave(lo, hi, out var even, out var odd);
            if (count >= w)
            {
                // Whole vectors, then the padding after the row's values put back: the lanes past them land in the row's
                // right padding and the next phase row, which is padding or written after this one (rows go in order),
                // or the slack. Masked stores cost more than the four stores on AVX2 (pools and stride-2 depthwise on
                // 14- and 28-wide maps 0.84-0.95x).
                TS.Store(evens + i, even);
                TS.Store(evens + i + (rest + 1) / 2, pad);
                TS.Store(odds + i, odd);
                TS.Store(odds + i + rest / 2, pad);
                return;
            }
            TS.StoreMasked(evens + i, even, TS.Mask((rest + 1) / 2));
            TS.StoreMasked(odds + i, odd, TS.Mask(rest / 2));
        }
    }

    /// <summary>Fills at least <paramref name="count"/> floats with whole vectors (up to a vector minus one more).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void FillOver<TS, TV>(float* p, int count, TV value) where TS : ISimd<TV> where TV : unmanaged
    {
        for (int i = 0; i < count; i += TS.Width) TS.Store(p + i, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Fill<TS, TV>(float* p, int count, float value) where TS : ISimd<TV> where TV : unmanaged
    {
        var v = TS.Splat(value);
        int i = 0;
        for (; i <= count - TS.Width; i += TS.Width) TS.Store(p + i, v);
        for (; i < count; i++) p[i] = value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Copy<TS, TV>(float* from, float* to, int count) where TS : ISimd<TV> where TV : unmanaged
    {
        int i = 0;
        for (; i <= count - TS.Width; i += TS.Width) TS.Store(to + i, TS.Load(from + i));
        if (i < count && count >= TS.Width)
        {
            // The tail as the last whole vector of the run, overlapping what is already copied.
            TS.Store(to + count - TS.Width, TS.Load(from + count - TS.Width));
            return;
        }
        if (i < count)
        {
            var mask = TS.Mask(count - i);
            TS.StoreMasked(to + i, TS.LoadMasked(from + i, mask), mask);
        }
    }
}
