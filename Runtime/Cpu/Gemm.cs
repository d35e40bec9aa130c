using ShuffleNetGpu.Kernels.Common;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ShuffleNetGpu.Kernels;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// Where the rows of B come from. Columns are numbered across images: column j is image <c>j / Columns</c>, position
/// <c>p = j % Columns</c> within it, and position p sits at <c>(p / RowLength) * RowPitch + p % RowLength</c> from
/// the row's start, row k of image i starting at <c>Base + i * ImageStride + RowOffsets[k]</c>. A 1x1 convolution's B
/// is the input tensor (rows = the channels its view picks, RowLength = H*W); a k x k convolution's B rows are the
/// shifted windows of its phase planes (RowLength = output width, RowPitch = the planes' pitch).
/// </summary>
internal unsafe struct GemmB
{
    public float* Base;
    public nint ImageStride;
    public nint* RowOffsets;
    public int Columns;
    public int RowLength;
    public int RowPitch;
}

/// <summary>Where C goes: row m (an output channel) of image i at <c>Base + i * ImageStride + m * RowStride</c>,
/// <see cref="Columns"/> values per image: contiguous, or with <see cref="GridPitch"/> set, a grid of rows of
/// <see cref="GridPitch"/> columns of which the first <see cref="GridWidth"/> are stored (at <c>row * GridWidth + x</c>)
/// and the rest dropped: a convolution computed on its phase planes' pitch. The pitch must be at least a vector.</summary>
internal unsafe struct GemmC
{
    public float* Base;
    public nint ImageStride;
    public nint RowStride;
    public int Columns;
    public int GridPitch;
    public int GridWidth;
}

/// <summary>A residual input added to C after the bias and before the activation (a residual add fused into the
/// product): row m of image i at <c>Base + i * ImageStride + RowOffsets[m]</c>, laid out like C's rows (<see cref="GemmC.Columns"/>
/// values per image, contiguous). <see cref="Base"/> null: none.</summary>
internal unsafe struct GemmResidual
{
    public float* Base;
    public nint ImageStride;
    public nint* RowOffsets;
}

/// <summary>
/// The matrix product under every convolution of the CPU engine: <c>C[m, j] = act(sum_k W[m, k] * B[k, j] + bias[m])</c>.
/// <para>
/// Blocking: columns in tiles of <see cref="ISimd{TV}.TileVectors"/> vectors (48 on AVX-512), K in blocks of at most
/// <see cref="KBlock"/> (128 on AVX-512, 256 on AVX2). For each column tile and K block the B panel is packed into
/// contiguous, aligned, zero-padded scratch (K block x tile, at most 24 KiB: it stays in L1 while every row tile of W
/// streams past it); a tile may span images, which folds the batch into the columns (a 7x7 map alone fills 49 of 64
/// lanes; eight fill 392 of 400).
/// Register tiling: a micro-tile of <see cref="ISimd{TV}.TileRows"/> rows x the tile's vectors (8 x 3 x 16 on AVX-512:
/// 24 accumulators of the 32 registers) with one fused multiply-add per weight and vector; the weights are broadcast
/// from a packed copy (blocks of 4 rows, [K][4], so each k reads 16 or 32 consecutive bytes). Between K blocks the
/// partial sums go through C; after the last one the epilogue (bias, activation, masked tail) runs from the registers.
/// Tiles that cross an image boundary are computed in a scratch tile and copied out in runs.
/// </para>
/// <para>
/// Every output sums k = 0..K-1 in order, each step one fused multiply-add from 0 (stored partial sums are exact), then
/// adds the bias, whatever the tile shape, the blocking, the path or the split into chunks: results do not depend on
/// the thread count or the batch, and the three paths agree bit for bit.
/// </para>
/// </summary>
[SkipLocalsInit]
internal static unsafe class Gemm
{
    /// <summary>Floats of the packed B panel: 24 KiB, within L1 with the W and C traffic.</summary>
    public const int PanelFloats = 6 * 1024;

    /// <summary>Most K rows packed at once for tiles of <paramref name="tileColumns"/> columns: as many as fill
    /// <see cref="PanelFloats"/> (AVX-512: 128 x 48; AVX2: 256 x 24), at most 256. One block for K up to 256 on AVX2
    /// instead of two at 128 keeps the partial sums out of C: V1 g3's and DetNAS's 14x14 1x1s (K = 160, 232) 0.90-0.94x,
    /// V2's 7x7 (K = 232) 0.87-0.98x in-process on AMD EPYC Zen 1.</summary>
    public static int KBlock(int tileColumns) => Math.Min(256, PanelFloats / tileColumns);

    /// <summary>Scratch floats a thread needs (the packed panel and a crossing tile), for the widest path.</summary>
    public const int ScratchFloats = PanelFloats + 8 * 64 + 64;

    /// <summary>Floats of the packed copy of an <paramref name="m"/> x <paramref name="k"/> weight matrix.</summary>
    public static long PackedLength(int m, int k) => (long)(m + 3) / 4 * 4 * k;

    /// <summary>Packs W (row m at <c>w[m * ldw ..]</c>, K values) into blocks of 4 rows, [K][4] each; rows past M are 0.</summary>
    public static void PackWeights(ReadOnlySpan<float> w, int ldw, int m, int k, float* dst)
    {
        for (int block = 0; block < (m + 3) / 4; block++)
        {
            float* d = dst + (long)block * 4 * k;
            for (int kk = 0; kk < k; kk++)
                for (int r = 0; r < 4; r++)
                {
                    int row = block * 4 + r;
                    d[kk * 4 + r] = row < m ? w[row * ldw + kk] : 0f;
                }
        }
    }

    /// <summary>Whether a tile of <paramref name="cols"/> columns is a sliver, computed column by column (a matrix-vector
    /// product per column costs a quarter of a micro-tile that broadcasts every weight for one useful lane).</summary>
    public static bool IsSliver(int cols, int vectorWidth) => vectorWidth >= 8 && cols * 4 <= vectorWidth;

    /// <summary>
    /// Rows [<paramref name="m0"/>, <paramref name="m1"/>) and global columns [<paramref name="c0"/>, <paramref name="c1"/>)
    /// of C. <paramref name="m0"/> must be a multiple of 4 (a weight block). <paramref name="scratch"/>: 64-byte aligned,
    /// <see cref="ScratchFloats"/> long.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TS, TV>(float* packedW, int k, float* bias, in GemmB b, in GemmC c,
        int m0, int m1, int c0, int c1, Activation act, float* scratch) where TS : ISimd<TV> where TV : unmanaged =>
        Run<TS, TV>(packedW, k, bias, b, c, default, m0, m1, c0, c1, act, scratch);

    /// <summary>
    /// <see cref="Run{TS, TV}(float*, int, float*, in GemmB, in GemmC, int, int, int, int, Activation, float*)"/> with
    /// <paramref name="residual"/> added before the activation: <c>C = act((W B + bias) + R)</c>, rounded after each sum
    /// as a separate add would be. The micro-tile's epilogue adds it from registers; a tile that crosses an image, a
    /// sliver column store C first and add in a pass over what they stored. No grid outputs, no sigmoid (its epilogue
    /// calls out per lane).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TS, TV>(float* packedW, int k, float* bias, in GemmB b, in GemmC c, in GemmResidual residual,
        int m0, int m1, int c0, int c1, Activation act, float* scratch) where TS : ISimd<TV> where TV : unmanaged
    {
        if (residual.Base != null && (act == Activation.Sigmoid || c.GridPitch != 0))
            throw new ArgumentException("a fused residual takes no grid outputs and no sigmoid", nameof(residual));
        switch (act)
        {
            case Activation.None: Run<TS, TV, ActNone>(packedW, k, bias, b, c, residual, m0, m1, c0, c1, scratch); break;
            case Activation.Relu: Run<TS, TV, ActRelu>(packedW, k, bias, b, c, residual, m0, m1, c0, c1, scratch); break;
            case Activation.HardSwish: Run<TS, TV, ActHardSwish>(packedW, k, bias, b, c, residual, m0, m1, c0, c1, scratch); break;
            case Activation.HardSigmoid: Run<TS, TV, ActHardSigmoid>(packedW, k, bias, b, c, residual, m0, m1, c0, c1, scratch); break;
            default: Run<TS, TV, ActSigmoid>(packedW, k, bias, b, c, residual, m0, m1, c0, c1, scratch); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Run<TS, TV, TA>(float* packedW, int k, float* bias, in GemmB b, in GemmC c, in GemmResidual residual,
        int m0, int m1, int c0, int c1, float* scratch) where TS : ISimd<TV> where TV : unmanaged where TA : IAct
    {
        bool fused = residual.Base != null;
        float** residualRows = stackalloc float*[8];
        int w = TS.Width, nr = TS.TileVectors * w, mr = TS.TileRows;
        int kBlock = KBlock(nr), kBlocks = (k + kBlock - 1) / kBlock, kc = (k + kBlocks - 1) / kBlocks;
        float* panel = scratch;
        float* cross = scratch + PanelFloats;   // a crossing tile, [mr][nr]
        // Grid outputs: per vector of a tile, two (offset, mask) stores: the lanes in the vector's first grid row and
        // those in the next.
        TV* gridMasks = stackalloc TV[8];
        nint* gridOffsets = stackalloc nint[8];
        bool* gridWhole = stackalloc bool[4];
        Grid grid = default;
        TV* regs = stackalloc TV[32];
        for (int col = c0; col < c1; col += nr)
        {
            int cols = Math.Min(nr, c1 - col);
            int vectors = (cols + w - 1) / w;
            int last = cols - (vectors - 1) * w;
            TV mask = TS.Mask(last);
            bool masked = last != w;
            if (IsSliver(cols, TS.Width))
            {
                // A sliver of a tile (a 7x7 map's 49th column, 1x1 maps): a matrix-vector product per column costs
                // a quarter of a micro-tile that broadcasts every weight for one useful lane.
                if (fused)
                {
                    for (int j = col; j < col + cols; j++) Column<ActNone>(packedW, k, bias, b, c, m0, m1, j);
                    AddResidual<TS, TV>(c, residual, m0, m1 - m0, col, cols, TA.Kind);
                }
                else for (int j = col; j < col + cols; j++) Column<TA>(packedW, k, bias, b, c, m0, m1, j);
                continue;
            }
            int img = col / c.Columns, at = col - img * c.Columns;
            bool within = at + cols <= c.Columns;
            if (c.GridPitch != 0)
            {
                if (!within) throw new InvalidOperationException("grid outputs never cross images");
                for (int v = 0; v < vectors; v++)
                {
                    int g0 = at + v * w, gridRow = g0 / c.GridPitch, x = g0 - gridRow * c.GridPitch;
                    int lanes = v == vectors - 1 ? last : w;
                    // Lanes [0, inRow) are columns x.. of this grid row (those below the width); lanes from
                    // pitch - x on are columns 0.. of the next row (a vector spans at most two: the pitch is at least a vector).
                    int inRow = Math.Min(lanes, Math.Max(0, c.GridWidth - x));
                    int next = Math.Clamp(lanes - (c.GridPitch - x), 0, c.GridWidth);
                    gridMasks[2 * v] = TS.Mask(inRow);
                    gridOffsets[2 * v] = (nint)gridRow * c.GridWidth + x;
                    gridMasks[2 * v + 1] = Shifted<TS, TV>(c.GridPitch - x, next);
                    gridOffsets[2 * v + 1] = (nint)(gridRow + 1) * c.GridWidth + x - c.GridPitch;
                    // All lanes in one grid row and below its width (most vectors of a wide map): one plain store.
                    gridWhole[v] = inRow == w;
                }
                grid = new Grid(gridMasks, gridOffsets, gridWhole);
            }
            // Each row tile prefetches the next one's weights while it runs: in a forward pass an op's weights come
            // from memory (the other ops' data pushed them out of the caches) and, read 16 bytes per 12 fused
            // multiply-adds, stall the first column tile. Later tiles find them in L2 unless they outgrow it.
            nint ahead = col == c0 || (long)(m1 - m0) * k > 64 * 1024 ? (nint)mr * k : 0;
            for (int k0 = 0; k0 < k; k0 += kc)
            {
                int kn = Math.Min(kc, k - k0);
                bool first = k0 == 0, final = k0 + kn == k;
                Pack<TS, TV>(b, k0, kn, col, cols, vectors * w, nr, panel);
                for (int row = m0; row < m1; row += mr)
                {
                    int rows = Math.Min(mr, m1 - row);
                    float* wp = packedW + (long)row * k + k0 * 4;
                    float* cp;
                    nint ldc;
                    if (within)
                    {
                        cp = c.Base + img * c.ImageStride + row * c.RowStride + (c.GridPitch != 0 ? 0 : at);
                        ldc = c.RowStride;
                    }
                    else
                    {
                        cp = cross;
                        ldc = nr;
                        if (!first) CopyTile(c, row, rows, col, cols, cross, nr, toC: false);
                    }
                    // A fused residual goes into the epilogue of a tile within one image; a crossing tile adds it
                    // after the copy out (its epilogue then leaves the activation to that pass).
                    bool addInTile = fused && final && within;
                    if (addInTile)
                        for (int r = 0; r < rows; r++) residualRows[r] = residual.Base + img * residual.ImageStride + residual.RowOffsets[row + r] + at;
                    var args = new TileArgs(wp, k, kn, panel, nr, bias + row, cp, ldc, rows, first, final, c.GridPitch != 0 ? grid : default, ahead,
                        addInTile ? residualRows : null);
                    if (fused && !within)
                    {
                        if (rows > 4) Dispatch<TS, TV, ActNone, C8, C0>(vectors, masked, args, mask, regs);
                        else Dispatch<TS, TV, ActNone, C4, C0>(vectors, masked, args, mask, regs);
                        CopyTile(c, row, rows, col, cols, cross, nr, toC: true);
                        if (final) AddResidual<TS, TV>(c, residual, row, rows, col, cols, TA.Kind);
                        continue;
                    }
                    if (c.GridPitch != 0)
                    {
                        if (rows > 4) Dispatch<TS, TV, TA, C8, C1>(vectors, masked, args, mask, regs);
                        else Dispatch<TS, TV, TA, C4, C1>(vectors, masked, args, mask, regs);
                    }
                    else if (rows > 4) Dispatch<TS, TV, TA, C8, C0>(vectors, masked, args, mask, regs);
                    else Dispatch<TS, TV, TA, C4, C0>(vectors, masked, args, mask, regs);
                    if (!within) CopyTile(c, row, rows, col, cols, cross, nr, toC: true);
                }
            }
        }
    }

    /// <summary>
    /// Column <paramref name="j"/> of C, rows [m0, m1), as matrix-vector products on 128-bit vectors along the rows
    /// (one packed weight block of 4 rows per vector, eight blocks at a time so eight sums are in flight), B read in
    /// place. Each output is the same chain of fused multiply-adds in k order as in the micro-tile, so the bits are
    /// the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Column<TA>(float* packedW, int k, float* bias, in GemmB b, in GemmC c, int m0, int m1, int j) where TA : IAct
    {
        int img = j / b.Columns, p = j - img * b.Columns;
        float* x = b.Base + img * b.ImageStride + (p / b.RowLength) * (nint)b.RowPitch + p % b.RowLength;
        int ci = j / c.Columns, cp = j - ci * c.Columns;
        if (c.GridPitch != 0)
        {
            int gridRow = cp / c.GridPitch, gx = cp - gridRow * c.GridPitch;
            if (gx >= c.GridWidth) return;   // a dropped column of the grid
            cp = gridRow * c.GridWidth + gx;
        }
        float* y = c.Base + ci * c.ImageStride + cp;
        nint* rowOffsets = b.RowOffsets;
        nint block = 4 * k;
        int row = m0;
        // Eight blocks (32 rows) at a time: eight independent chains hide the fused multiply-add latency.
        for (; row + 32 <= m1; row += 32)
        {
            float* w = packedW + (long)row * k;
            Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int kk = 0; kk < k; kk++)
            {
                var xv = Vector128.Create(x[rowOffsets[kk]]);
                float* wk = w + 4 * kk;
                a0 = Fma.MultiplyAdd(Vector128.Load(wk), xv, a0);
                a1 = Fma.MultiplyAdd(Vector128.Load(wk + block), xv, a1);
                a2 = Fma.MultiplyAdd(Vector128.Load(wk + 2 * block), xv, a2);
                a3 = Fma.MultiplyAdd(Vector128.Load(wk + 3 * block), xv, a3);
                a4 = Fma.MultiplyAdd(Vector128.Load(wk + 4 * block), xv, a4);
                a5 = Fma.MultiplyAdd(Vector128.Load(wk + 5 * block), xv, a5);
                a6 = Fma.MultiplyAdd(Vector128.Load(wk + 6 * block), xv, a6);
                a7 = Fma.MultiplyAdd(Vector128.Load(wk + 7 * block), xv, a7);
            }
            ColumnStore<TA>(a0, bias, row, 4, y, c.RowStride);
            ColumnStore<TA>(a1, bias, row + 4, 4, y, c.RowStride);
            ColumnStore<TA>(a2, bias, row + 8, 4, y, c.RowStride);
            ColumnStore<TA>(a3, bias, row + 12, 4, y, c.RowStride);
            ColumnStore<TA>(a4, bias, row + 16, 4, y, c.RowStride);
            ColumnStore<TA>(a5, bias, row + 20, 4, y, c.RowStride);
            ColumnStore<TA>(a6, bias, row + 24, 4, y, c.RowStride);
            ColumnStore<TA>(a7, bias, row + 28, 4, y, c.RowStride);
        }
        for (; row + 16 <= m1; row += 16)
        {
            float* w = packedW + (long)row * k;
            Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int kk = 0; kk < k; kk++)
            {
                var xv = Vector128.Create(x[rowOffsets[kk]]);
                float* wk = w + 4 * kk;
                a0 = Fma.MultiplyAdd(Vector128.Load(wk), xv, a0);
                a1 = Fma.MultiplyAdd(Vector128.Load(wk + block), xv, a1);
                a2 = Fma.MultiplyAdd(Vector128.Load(wk + 2 * block), xv, a2);
                a3 = Fma.MultiplyAdd(Vector128.Load(wk + 3 * block), xv, a3);
            }
            ColumnStore<TA>(a0, bias, row, 4, y, c.RowStride);
            ColumnStore<TA>(a1, bias, row + 4, 4, y, c.RowStride);
            ColumnStore<TA>(a2, bias, row + 8, 4, y, c.RowStride);
            ColumnStore<TA>(a3, bias, row + 12, 4, y, c.RowStride);
        }
        for (; row < m1; row += 4)
        {
            float* w = packedW + (long)row * k;
            Vector128<float> a0 = default;
            for (int kk = 0; kk < k; kk++) a0 = Fma.MultiplyAdd(Vector128.Load(w + 4 * kk), Vector128.Create(x[rowOffsets[kk]]), a0);
            ColumnStore<TA>(a0, bias, row, Math.Min(4, m1 - row), y, c.RowStride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void ColumnStore<TA>(Vector128<float> acc, float* bias, int row, int rows, float* y, nint rowStride) where TA : IAct
    {
        for (int r = 0; r < rows; r++) y[(row + r) * rowStride] = Act.Scalar(acc.GetElement(r) + bias[row + r], TA.Kind);
    }

    /// <summary>Packs rows [k0, k0 + kn) of B's columns [col, col + cols) into <paramref name="panel"/> (row stride
    /// <paramref name="ld"/>), zero up to <paramref name="padded"/> columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Pack<TS, TV>(in GemmB b, int k0, int kn, int col, int cols, int padded, int ld, float* panel) where TS : ISimd<TV> where TV : unmanaged
    {
        int img = col / b.Columns, at = col - img * b.Columns;
        if (at + cols <= b.Columns && at % b.RowLength + cols <= b.RowLength)
        {
            // One run per row: whole vectors, then the masked tail with zeros after it.
            float* start = b.Base + img * b.ImageStride + (at / b.RowLength) * (nint)b.RowPitch + at % b.RowLength;
            TV tailMask = TS.Mask(cols % TS.Width);
            int whole = cols - cols % TS.Width;
            for (int kk = 0; kk < kn; kk++)
            {
                float* dst = panel + kk * ld;
                float* src = start + b.RowOffsets[k0 + kk];
                for (int i = 0; i < whole; i += TS.Width) TS.Store(dst + i, TS.Load(src + i));
                if (whole < padded) TS.Store(dst + whole, TS.LoadMasked(src + whole, tailMask));
                // The next column tile's stretch of this row (up to three lines): the K rows are K separate streams,
                // too many for the hardware prefetcher.
                if (Sse.IsSupported)
                {
                    Sse.Prefetch0(src + ld);
                    Sse.Prefetch0(src + ld + 16);
                    Sse.Prefetch0(src + 2 * ld - 1);
                }
            }
            return;
        }
        // Runs split at image and map-row boundaries: the same for every row, found once.
        int* runAt = stackalloc int[2 * 64 + 2];
        nint* runFrom = stackalloc nint[2 * 64 + 2];
        int runs = 0;
        for (int done = 0; done < cols;)
        {
            int j = col + done, ji = j / b.Columns, p = j - ji * b.Columns;
            int run = Math.Min(Math.Min(cols - done, b.Columns - p), b.RowLength - p % b.RowLength);
            runAt[runs] = done;
            runFrom[runs] = ji * b.ImageStride + (p / b.RowLength) * (nint)b.RowPitch + p % b.RowLength;
            runs++;
            done += run;
        }
        runAt[runs] = cols;
        for (int kk = 0; kk < kn; kk++)
        {
            float* dst = panel + kk * ld;
            float* src = b.Base + b.RowOffsets[k0 + kk];
            for (int r = 0; r < runs; r++) PaddedPlanes.Copy<TS, TV>(src + runFrom[r], dst + runAt[r], runAt[r + 1] - runAt[r]);
            for (int i = cols; i < padded; i++) dst[i] = 0f;
        }
    }

    /// <summary>Copies a crossing tile between C (runs split at image boundaries) and <paramref name="tile"/>.</summary>
    static void CopyTile(in GemmC c, int row, int rows, int col, int cols, float* tile, int ld, bool toC)
    {
        for (int r = 0; r < rows; r++)
        {
            int done = 0;
            while (done < cols)
            {
                int j = col + done, ji = j / c.Columns, p = j - ji * c.Columns;
                int run = Math.Min(cols - done, c.Columns - p);
                float* cp = c.Base + ji * c.ImageStride + (row + r) * c.RowStride + p;
                var from = new ReadOnlySpan<float>(toC ? tile + r * ld + done : cp, run);
                from.CopyTo(new Span<float>(toC ? cp : tile + r * ld + done, run));
                done += run;
            }
        }
    }

    readonly struct TileArgs(float* w, int k, int kn, float* b, nint ldb, float* bias, float* c, nint ldc, int rows, bool first, bool final, Grid grid, nint ahead,
        float** residual = null)
    {
        public readonly float* W = w, B = b, Bias = bias, C = c;
        /// <summary>Per row of the tile, its residual row at the tile's first column (null: no residual).</summary>
        public readonly float** Residual = residual;
        public readonly int K = k, Kn = kn, Rows = rows;
        public readonly nint Ldb = ldb, Ldc = ldc;
        public readonly bool First = first, Final = final;
        public readonly Grid Grid = grid;
        public readonly nint Ahead = ahead;
    }

    /// <summary>A tile's grid stores (null masks: plain contiguous columns): vector v goes to <c>Offsets[2 v]</c> under
    /// <c>Masks[2 v]</c> and to <c>Offsets[2 v + 1]</c> under <c>Masks[2 v + 1]</c>, both relative to the row; or, where
    /// <c>Whole[v]</c>, all of it to <c>Offsets[2 v]</c> with a plain store.</summary>
    readonly struct Grid(void* masks, nint* offsets, bool* whole)
    {
        public readonly void* Masks = masks;
        public readonly nint* Offsets = offsets;
        public readonly bool* Whole = whole;
    }

    /// <summary>A mask of lanes [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV Shifted<TS, TV>(int start, int count) where TS : ISimd<TV> where TV : unmanaged
    {
        if (count <= 0) return TS.Zero;
        var upTo = TS.Mask(Math.Min(TS.Width, start + count));
        var below = TS.Mask(Math.Min(TS.Width, start));
        // Lanes below start + count but not below start.
        return TS.Select(below, TS.Zero, upTo);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Dispatch<TS, TV, TA, TM, TGrid>(int vectors, bool masked, in TileArgs a, TV mask, TV* regs)
        where TS : ISimd<TV> where TV : unmanaged where TA : IAct where TM : IConst where TGrid : IConst
    {
        switch (vectors, masked)
        {
            case (1, false): Tile<TS, TV, TA, TM, C1, C0, TGrid>(a, mask, regs); break;
            case (1, true): Tile<TS, TV, TA, TM, C1, C1, TGrid>(a, mask, regs); break;
            case (2, false): Tile<TS, TV, TA, TM, C2, C0, TGrid>(a, mask, regs); break;
            case (2, true): Tile<TS, TV, TA, TM, C2, C1, TGrid>(a, mask, regs); break;
            case (3, false): Tile<TS, TV, TA, TM, C3, C0, TGrid>(a, mask, regs); break;
            case (3, true): Tile<TS, TV, TA, TM, C3, C1, TGrid>(a, mask, regs); break;
            case (4, false): Tile<TS, TV, TA, TM, C4, C0, TGrid>(a, mask, regs); break;
            default: Tile<TS, TV, TA, TM, C4, C1, TGrid>(a, mask, regs); break;
        }
    }

    /// <summary>Loads vector <paramref name="v"/> of a C row (a partial sum) or of a row laid out like one (a fused
    /// residual), masked when it is the last of a masked tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV LoadC<TS, TV, TN, TMask, TGrid>(float* p, int v, TV mask, in Grid grid)
        where TS : ISimd<TV> where TV : unmanaged where TN : IConst where TMask : IConst where TGrid : IConst
    {
        if (TGrid.Value != 0)
        {
            TV* m = (TV*)grid.Masks;
            return TS.Or(TS.LoadMasked(p + grid.Offsets[2 * v], m[2 * v]), TS.LoadMasked(p + grid.Offsets[2 * v + 1], m[2 * v + 1]));
        }
        return TMask.Value != 0 && v == TN.Value - 1 ? TS.LoadMasked(p + v * TS.Width, mask) : TS.Load(p + v * TS.Width);
    }

    /// <summary>
    /// One micro-tile: TM (4 or 8) rows x TN vectors of the packed panel, the last vector of C masked when TMask is 1.
    /// The packed weights of rows 0..3 are at <c>a.W</c>, of rows 4..7 at <c>a.W + 4K</c>. Starts from 0 (first K
    /// block) or the partial sums in C; ends with the epilogue (last K block: bias, activation TA) or the partial sums.
    /// Only the first <c>a.Rows</c> rows are stored. Sigmoid, which calls out per lane, goes through
    /// <paramref name="regs"/> and <see cref="SlowEpilogue"/> (an accumulator live across a call would be spilled inside
    /// the k loop).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Tile<TS, TV, TA, TM, TN, TMask, TGrid>(in TileArgs a, TV mask, TV* regs)
        where TS : ISimd<TV> where TV : unmanaged where TA : IAct where TM : IConst where TN : IConst where TMask : IConst where TGrid : IConst
    {
        int nv = TN.Value;
        bool eight = TM.Value == 8;
        TV c00, c01, c02, c03;
        TV c10, c11, c12, c13;
        TV c20, c21, c22, c23;
        TV c30, c31, c32, c33;
        TV c40, c41, c42, c43;
        TV c50, c51, c52, c53;
        TV c60, c61, c62, c63;
        TV c70, c71, c72, c73;
        float* c = a.C;
        nint ldc = a.Ldc;
        if (a.First)
        {
            c00 = TS.Zero; c01 = TS.Zero; c02 = TS.Zero; c03 = TS.Zero;
            c10 = TS.Zero; c11 = TS.Zero; c12 = TS.Zero; c13 = TS.Zero;
            c20 = TS.Zero; c21 = TS.Zero; c22 = TS.Zero; c23 = TS.Zero;
            c30 = TS.Zero; c31 = TS.Zero; c32 = TS.Zero; c33 = TS.Zero;
            c40 = TS.Zero; c41 = TS.Zero; c42 = TS.Zero; c43 = TS.Zero;
            c50 = TS.Zero; c51 = TS.Zero; c52 = TS.Zero; c53 = TS.Zero;
            c60 = TS.Zero; c61 = TS.Zero; c62 = TS.Zero; c63 = TS.Zero;
            c70 = TS.Zero; c71 = TS.Zero; c72 = TS.Zero; c73 = TS.Zero;
        }
        else
        {
            c00 = c01 = c02 = c03 = TS.Zero;
            { c00 = LoadC<TS, TV, TN, TMask, TGrid>(c + 0 * ldc, 0, mask, a.Grid); if (nv > 1) c01 = LoadC<TS, TV, TN, TMask, TGrid>(c + 0 * ldc, 1, mask, a.Grid); if (nv > 2) c02 = LoadC<TS, TV, TN, TMask, TGrid>(c + 0 * ldc, 2, mask, a.Grid); if (nv > 3) c03 = LoadC<TS, TV, TN, TMask, TGrid>(c + 0 * ldc, 3, mask, a.Grid); }
            c10 = c11 = c12 = c13 = TS.Zero;
            if (a.Rows > 1) { c10 = LoadC<TS, TV, TN, TMask, TGrid>(c + 1 * ldc, 0, mask, a.Grid); if (nv > 1) c11 = LoadC<TS, TV, TN, TMask, TGrid>(c + 1 * ldc, 1, mask, a.Grid); if (nv > 2) c12 = LoadC<TS, TV, TN, TMask, TGrid>(c + 1 * ldc, 2, mask, a.Grid); if (nv > 3) c13 = LoadC<TS, TV, TN, TMask, TGrid>(c + 1 * ldc, 3, mask, a.Grid); }
            c20 = c21 = c22 = c23 = TS.Zero;
            if (a.Rows > 2) { c20 = LoadC<TS, TV, TN, TMask, TGrid>(c + 2 * ldc, 0, mask, a.Grid); if (nv > 1) c21 = LoadC<TS, TV, TN, TMask, TGrid>(c + 2 * ldc, 1, mask, a.Grid); if (nv > 2) c22 = LoadC<TS, TV, TN, TMask, TGrid>(c + 2 * ldc, 2, mask, a.Grid); if (nv > 3) c23 = LoadC<TS, TV, TN, TMask, TGrid>(c + 2 * ldc, 3, mask, a.Grid); }
            c30 = c31 = c32 = c33 = TS.Zero;
            if (a.Rows > 3) { c30 = LoadC<TS, TV, TN, TMask, TGrid>(c + 3 * ldc, 0, mask, a.Grid); if (nv > 1) c31 = LoadC<TS, TV, TN, TMask, TGrid>(c + 3 * ldc, 1, mask, a.Grid); if (nv > 2) c32 = LoadC<TS, TV, TN, TMask, TGrid>(c + 3 * ldc, 2, mask, a.Grid); if (nv > 3) c33 = LoadC<TS, TV, TN, TMask, TGrid>(c + 3 * ldc, 3, mask, a.Grid); }
            c40 = c41 = c42 = c43 = TS.Zero;
            if (eight && a.Rows > 4) { c40 = LoadC<TS, TV, TN, TMask, TGrid>(c + 4 * ldc, 0, mask, a.Grid); if (nv > 1) c41 = LoadC<TS, TV, TN, TMask, TGrid>(c + 4 * ldc, 1, mask, a.Grid); if (nv > 2) c42 = LoadC<TS, TV, TN, TMask, TGrid>(c + 4 * ldc, 2, mask, a.Grid); if (nv > 3) c43 = LoadC<TS, TV, TN, TMask, TGrid>(c + 4 * ldc, 3, mask, a.Grid); }
            c50 = c51 = c52 = c53 = TS.Zero;
            if (eight && a.Rows > 5) { c50 = LoadC<TS, TV, TN, TMask, TGrid>(c + 5 * ldc, 0, mask, a.Grid); if (nv > 1) c51 = LoadC<TS, TV, TN, TMask, TGrid>(c + 5 * ldc, 1, mask, a.Grid); if (nv > 2) c52 = LoadC<TS, TV, TN, TMask, TGrid>(c + 5 * ldc, 2, mask, a.Grid); if (nv > 3) c53 = LoadC<TS, TV, TN, TMask, TGrid>(c + 5 * ldc, 3, mask, a.Grid); }
            c60 = c61 = c62 = c63 = TS.Zero;
            if (eight && a.Rows > 6) { c60 = LoadC<TS, TV, TN, TMask, TGrid>(c + 6 * ldc, 0, mask, a.Grid); if (nv > 1) c61 = LoadC<TS, TV, TN, TMask, TGrid>(c + 6 * ldc, 1, mask, a.Grid); if (nv > 2) c62 = LoadC<TS, TV, TN, TMask, TGrid>(c + 6 * ldc, 2, mask, a.Grid); if (nv > 3) c63 = LoadC<TS, TV, TN, TMask, TGrid>(c + 6 * ldc, 3, mask, a.Grid); }
            c70 = c71 = c72 = c73 = TS.Zero;
            if (eight && a.Rows > 7) { c70 = LoadC<TS, TV, TN, TMask, TGrid>(c + 7 * ldc, 0, mask, a.Grid); if (nv > 1) c71 = LoadC<TS, TV, TN, TMask, TGrid>(c + 7 * ldc, 1, mask, a.Grid); if (nv > 2) c72 = LoadC<TS, TV, TN, TMask, TGrid>(c + 7 * ldc, 2, mask, a.Grid); if (nv > 3) c73 = LoadC<TS, TV, TN, TMask, TGrid>(c + 7 * ldc, 3, mask, a.Grid); }
        }
        float* w0 = a.W;
        float* w1 = a.W + 4 * a.K;
        float* b = a.B;
        nint ldb = a.Ldb;
        nint ahead = a.Ahead;   // 0: prefetches the line in use, an L1 hit
        for (int kk = 0; kk < a.Kn; kk++)
        {
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(w0 + ahead);
                if (eight) Sse.Prefetch0(w1 + ahead);
            }
            TV b0 = TS.Load(b);
            TV b1 = nv > 1 ? TS.Load(b + TS.Width) : TS.Zero;
            TV b2 = nv > 2 ? TS.Load(b + 2 * TS.Width) : TS.Zero;
            TV b3 = nv > 3 ? TS.Load(b + 3 * TS.Width) : TS.Zero;
            TV a0;
            a0 = TS.Splat(w0[0]);
            c00 = TS.Fma(a0, b0, c00);
            if (nv > 1) c01 = TS.Fma(a0, b1, c01);
            if (nv > 2) c02 = TS.Fma(a0, b2, c02);
            if (nv > 3) c03 = TS.Fma(a0, b3, c03);
            a0 = TS.Splat(w0[1]);
            c10 = TS.Fma(a0, b0, c10);
            if (nv > 1) c11 = TS.Fma(a0, b1, c11);
            if (nv > 2) c12 = TS.Fma(a0, b2, c12);
            if (nv > 3) c13 = TS.Fma(a0, b3, c13);
            a0 = TS.Splat(w0[2]);
            c20 = TS.Fma(a0, b0, c20);
            if (nv > 1) c21 = TS.Fma(a0, b1, c21);
            if (nv > 2) c22 = TS.Fma(a0, b2, c22);
            if (nv > 3) c23 = TS.Fma(a0, b3, c23);
            a0 = TS.Splat(w0[3]);
            c30 = TS.Fma(a0, b0, c30);
            if (nv > 1) c31 = TS.Fma(a0, b1, c31);
            if (nv > 2) c32 = TS.Fma(a0, b2, c32);
            if (nv > 3) c33 = TS.Fma(a0, b3, c33);
            if (eight)
            {
                a0 = TS.Splat(w1[0]);
                c40 = TS.Fma(a0, b0, c40);
                if (nv > 1) c41 = TS.Fma(a0, b1, c41);
                if (nv > 2) c42 = TS.Fma(a0, b2, c42);
                if (nv > 3) c43 = TS.Fma(a0, b3, c43);
                a0 = TS.Splat(w1[1]);
                c50 = TS.Fma(a0, b0, c50);
                if (nv > 1) c51 = TS.Fma(a0, b1, c51);
                if (nv > 2) c52 = TS.Fma(a0, b2, c52);
                if (nv > 3) c53 = TS.Fma(a0, b3, c53);
                a0 = TS.Splat(w1[2]);
                c60 = TS.Fma(a0, b0, c60);
                if (nv > 1) c61 = TS.Fma(a0, b1, c61);
                if (nv > 2) c62 = TS.Fma(a0, b2, c62);
                if (nv > 3) c63 = TS.Fma(a0, b3, c63);
                a0 = TS.Splat(w1[3]);
                c70 = TS.Fma(a0, b0, c70);
                if (nv > 1) c71 = TS.Fma(a0, b1, c71);
                if (nv > 2) c72 = TS.Fma(a0, b2, c72);
                if (nv > 3) c73 = TS.Fma(a0, b3, c73);
                w1 += 4;
            }
            w0 += 4;
            b += ldb;
        }

        if (!a.Final && TGrid.Value == 0)
        {
            StoreRaw<TS, TV, TN, TMask>(c + 0 * ldc, c00, c01, c02, c03, mask);
            if (a.Rows > 1) StoreRaw<TS, TV, TN, TMask>(c + 1 * ldc, c10, c11, c12, c13, mask);
            if (a.Rows > 2) StoreRaw<TS, TV, TN, TMask>(c + 2 * ldc, c20, c21, c22, c23, mask);
            if (a.Rows > 3) StoreRaw<TS, TV, TN, TMask>(c + 3 * ldc, c30, c31, c32, c33, mask);
            if (eight && a.Rows > 4) StoreRaw<TS, TV, TN, TMask>(c + 4 * ldc, c40, c41, c42, c43, mask);
            if (eight && a.Rows > 5) StoreRaw<TS, TV, TN, TMask>(c + 5 * ldc, c50, c51, c52, c53, mask);
            if (eight && a.Rows > 6) StoreRaw<TS, TV, TN, TMask>(c + 6 * ldc, c60, c61, c62, c63, mask);
            if (eight && a.Rows > 7) StoreRaw<TS, TV, TN, TMask>(c + 7 * ldc, c70, c71, c72, c73, mask);
            return;
        }
        if (TA.Kind == Activation.Sigmoid || TGrid.Value != 0 || a.Residual != null)
        {
            // Only the accumulators in use are stored: an unused one kept alive would hold a register through the loop.
            regs[0] = c00;
            if (nv > 1) regs[1] = c01;
            if (nv > 2) regs[2] = c02;
            if (nv > 3) regs[3] = c03;
            regs[4] = c10;
            if (nv > 1) regs[5] = c11;
            if (nv > 2) regs[6] = c12;
            if (nv > 3) regs[7] = c13;
            regs[8] = c20;
            if (nv > 1) regs[9] = c21;
            if (nv > 2) regs[10] = c22;
            if (nv > 3) regs[11] = c23;
            regs[12] = c30;
            if (nv > 1) regs[13] = c31;
            if (nv > 2) regs[14] = c32;
            if (nv > 3) regs[15] = c33;
            if (eight)
            {
                regs[16] = c40;
                if (nv > 1) regs[17] = c41;
                if (nv > 2) regs[18] = c42;
                if (nv > 3) regs[19] = c43;
                regs[20] = c50;
                if (nv > 1) regs[21] = c51;
                if (nv > 2) regs[22] = c52;
                if (nv > 3) regs[23] = c53;
                regs[24] = c60;
                if (nv > 1) regs[25] = c61;
                if (nv > 2) regs[26] = c62;
                if (nv > 3) regs[27] = c63;
                regs[28] = c70;
                if (nv > 1) regs[29] = c71;
                if (nv > 2) regs[30] = c72;
                if (nv > 3) regs[31] = c73;
            }
            if (a.Residual != null) ResidualEpilogue<TS, TV, TA, TN, TMask>(regs, a.Rows, a.Bias, a.Residual, c, ldc, mask);
            else if (TGrid.Value != 0 && TA.Kind != Activation.Sigmoid) GridEpilogue<TS, TV, TA, TN>(regs, a.Rows, a.Bias, c, ldc, a.Grid, a.Final);
            else SlowEpilogue<TS, TV, TN, TMask>(regs, a.Rows, a.Bias, c, ldc, mask, TA.Kind, a.Grid, a.Final);
            return;
        }
        StoreRow<TS, TV, TA, TN, TMask>(c + 0 * ldc, a.Bias[0], c00, c01, c02, c03, mask);
        if (a.Rows > 1) StoreRow<TS, TV, TA, TN, TMask>(c + 1 * ldc, a.Bias[1], c10, c11, c12, c13, mask);
        if (a.Rows > 2) StoreRow<TS, TV, TA, TN, TMask>(c + 2 * ldc, a.Bias[2], c20, c21, c22, c23, mask);
        if (a.Rows > 3) StoreRow<TS, TV, TA, TN, TMask>(c + 3 * ldc, a.Bias[3], c30, c31, c32, c33, mask);
        if (eight)
        {
            if (a.Rows > 4) StoreRow<TS, TV, TA, TN, TMask>(c + 4 * ldc, a.Bias[4], c40, c41, c42, c43, mask);
            if (a.Rows > 5) StoreRow<TS, TV, TA, TN, TMask>(c + 5 * ldc, a.Bias[5], c50, c51, c52, c53, mask);
            if (a.Rows > 6) StoreRow<TS, TV, TA, TN, TMask>(c + 6 * ldc, a.Bias[6], c60, c61, c62, c63, mask);
            if (a.Rows > 7) StoreRow<TS, TV, TA, TN, TMask>(c + 7 * ldc, a.Bias[7], c70, c71, c72, c73, mask);
        }
    }

    /// <summary>The final tile from <paramref name="regs"/> with a fused residual: row r gets
    /// <c>act((acc + bias) + R[r])</c>, the masked last vector reading only its lanes. Out of line, like the other
    /// epilogues that go through <paramref name="regs"/>: inlined, it would push the micro-tile past the JIT's inlining
    /// budget, and the plain epilogue's stores would become calls.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static void ResidualEpilogue<TS, TV, TA, TN, TMask>(TV* regs, int rows, float* bias, float** residual, float* c, nint ldc, TV mask)
        where TS : ISimd<TV> where TV : unmanaged where TA : IAct where TN : IConst where TMask : IConst
    {
        for (int r = 0; r < rows; r++)
        {
            TV bv = TS.Splat(bias[r]);
            float* row = c + r * ldc, from = residual[r];
            for (int v = 0; v < TN.Value; v++)
                Put<TS, TV, TN, TMask>(row, v, TA.Apply<TS, TV>(TS.Add(TS.Add(regs[4 * r + v], bv), LoadC<TS, TV, TN, TMask, C0>(from, v, mask, default))), mask);
        }
    }

    /// <summary>C = act(C + R) over rows [<paramref name="row"/>, + <paramref name="rows"/>) and global columns
    /// [<paramref name="col"/>, + <paramref name="cols"/>), in runs split at image boundaries: the residual of the
    /// tiles whose epilogue does not add it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void AddResidual<TS, TV>(in GemmC c, in GemmResidual residual, int row, int rows, int col, int cols, Activation act)
        where TS : ISimd<TV> where TV : unmanaged
    {
        for (int done = 0; done < cols;)
        {
            int j = col + done, img = j / c.Columns, p = j - img * c.Columns;
            int run = Math.Min(cols - done, c.Columns - p);
            for (int r = row; r < row + rows; r++)
            {
                float* y = c.Base + img * c.ImageStride + r * c.RowStride + p;
                Act.AddActivate<TS, TV>(y, residual.Base + img * residual.ImageStride + residual.RowOffsets[r] + p, y, run, act);
            }
            done += run;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreRaw<TS, TV, TN, TMask>(float* c, TV v0, TV v1, TV v2, TV v3, TV mask)
        where TS : ISimd<TV> where TV : unmanaged where TN : IConst where TMask : IConst
    {
        Put<TS, TV, TN, TMask>(c, 0, v0, mask);
        if (TN.Value > 1) Put<TS, TV, TN, TMask>(c, 1, v1, mask);
        if (TN.Value > 2) Put<TS, TV, TN, TMask>(c, 2, v2, mask);
        if (TN.Value > 3) Put<TS, TV, TN, TMask>(c, 3, v3, mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreRow<TS, TV, TA, TN, TMask>(float* c, float bias, TV v0, TV v1, TV v2, TV v3, TV mask)
        where TS : ISimd<TV> where TV : unmanaged where TA : IAct where TN : IConst where TMask : IConst
    {
        TV bv = TS.Splat(bias);
        Put<TS, TV, TN, TMask>(c, 0, TA.Apply<TS, TV>(TS.Add(v0, bv)), mask);
        if (TN.Value > 1) Put<TS, TV, TN, TMask>(c, 1, TA.Apply<TS, TV>(TS.Add(v1, bv)), mask);
        if (TN.Value > 2) Put<TS, TV, TN, TMask>(c, 2, TA.Apply<TS, TV>(TS.Add(v2, bv)), mask);
        if (TN.Value > 3) Put<TS, TV, TN, TMask>(c, 3, TA.Apply<TS, TV>(TS.Add(v3, bv)), mask);
    }

    /// <summary>A grid tile from <paramref name="regs"/>: plus the bias and activated when <paramref name="final"/>, as
    /// partial sums otherwise; each vector in (at most) two masked stores.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static void GridEpilogue<TS, TV, TA, TN>(TV* regs, int rows, float* bias, float* c, nint ldc, Grid grid, bool final)
        where TS : ISimd<TV> where TV : unmanaged where TA : IAct where TN : IConst
    {
        TV* m = (TV*)grid.Masks;
        nint* o = grid.Offsets;
        for (int r = 0; r < rows; r++)
        {
            TV bv = TS.Splat(bias[r]);
            float* row = c + r * ldc;
            for (int v = 0; v < TN.Value; v++)
            {
                TV value = final ? TA.Apply<TS, TV>(TS.Add(regs[4 * r + v], bv)) : regs[4 * r + v];
                if (grid.Whole[v])
                {
                    TS.Store(row + o[2 * v], value);
                    continue;
                }
                TS.StoreMasked(row + o[2 * v], value, m[2 * v]);
                TS.StoreMasked(row + o[2 * v + 1], value, m[2 * v + 1]);
            }
        }
    }

    /// <summary>Row r of the tile (vectors <c>regs[4 r ..]</c>) into row r of C: plus its bias and activated when
    /// <paramref name="final"/>, as partial sums otherwise; through the grid stores when there is a grid.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static void SlowEpilogue<TS, TV, TN, TMask>(TV* regs, int rows, float* bias, float* c, nint ldc, TV mask, Activation act, Grid grid, bool final)
        where TS : ISimd<TV> where TV : unmanaged where TN : IConst where TMask : IConst
    {
        for (int r = 0; r < rows; r++)
        {
            TV bv = TS.Splat(bias[r]);
            float* row = c + r * ldc;
            for (int v = 0; v < TN.Value; v++)
            {
                TV value = final ? Act.Apply<TS, TV>(TS.Add(regs[4 * r + v], bv), act) : regs[4 * r + v];
                if (grid.Masks != null)
                {
                    TV* m = (TV*)grid.Masks;
                    TS.StoreMasked(row + grid.Offsets[2 * v], value, m[2 * v]);
                    TS.StoreMasked(row + grid.Offsets[2 * v + 1], value, m[2 * v + 1]);
                }
                else Put<TS, TV, TN, TMask>(row, v, value, mask);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Put<TS, TV, TN, TMask>(float* c, int v, TV value, TV mask) where TS : ISimd<TV> where TV : unmanaged where TN : IConst where TMask : IConst
    {
        if (TMask.Value != 0 && v == TN.Value - 1) TS.StoreMaskedCompact(c + v * TS.Width, value, mask);
        else TS.Store(c + v * TS.Width, value);
    }
}
