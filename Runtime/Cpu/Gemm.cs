using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// The matrix product under every convolution of the CPU engine: <c>C[m, j] = act(sum_k W[m, k] * B[k, j] + bias[m])</c>
/// with B read in place (row k at <c>b + k * ldb</c>: a channel row of an NCHW tensor, or a packed im2col row) and
/// C written in place (row m at <c>c + m * ldc</c>: a channel row of the output slice).
/// <para>
/// Register tiling: a micro-tile of <see cref="ISimd{TV}.TileRows"/> output rows x <see cref="ISimd{TV}.TileVectors"/>
/// vectors of columns (8 x 3 x 16 on AVX-512: 24 accumulators of the 32 registers) is accumulated over the whole K
/// with one fused multiply-add per weight and vector: the weights are broadcast from a packed copy (blocks of 4 rows,
/// [K][4], so each k reads 16 or 32 consecutive bytes), the B vectors loaded once per k and reused by every row. A
/// column tail narrower than a vector is loaded and stored under a mask (nothing past the row is touched).
/// Column tiles run outer, row tiles inner: one K x 48 panel of B stays in L1/L2 while every row of W streams past it.
/// </para>
/// <para>
/// Every output sums k = 0..K-1 in order, each step one fused multiply-add from 0, then adds the bias, whatever the tile
/// shape, the path or the split into chunks: results do not depend on the thread count, and the three paths agree
/// bit for bit.
/// </para>
/// </summary>
[SkipLocalsInit]
internal static unsafe class Gemm
{
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

    /// <summary>
    /// Rows [<paramref name="m0"/>, <paramref name="m1"/>) and columns [<paramref name="c0"/>, <paramref name="c1"/>) of C.
    /// <paramref name="m0"/> must be a multiple of 4 (a weight block); <paramref name="b"/> and <paramref name="c"/> point
    /// at column 0 and row 0.
    /// </summary>
    public static void Run<TS, TV>(float* packedW, int k, float* bias, float* b, nint ldb, float* c, nint ldc,
        int m0, int m1, int c0, int c1, ActivationKind act) where TS : ISimd<TV> where TV : unmanaged
    {
        switch (act)
        {
            case ActivationKind.None: Run<TS, TV, ActNone>(packedW, k, bias, b, ldb, c, ldc, m0, m1, c0, c1); break;
            case ActivationKind.Relu: Run<TS, TV, ActRelu>(packedW, k, bias, b, ldb, c, ldc, m0, m1, c0, c1); break;
            case ActivationKind.HardSwish: Run<TS, TV, ActHardSwish>(packedW, k, bias, b, ldb, c, ldc, m0, m1, c0, c1); break;
            case ActivationKind.HardSigmoid: Run<TS, TV, ActHardSigmoid>(packedW, k, bias, b, ldb, c, ldc, m0, m1, c0, c1); break;
            default: Run<TS, TV, ActSigmoid>(packedW, k, bias, b, ldb, c, ldc, m0, m1, c0, c1); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Run<TS, TV, TA>(float* packedW, int k, float* bias, float* b, nint ldb, float* c, nint ldc,
        int m0, int m1, int c0, int c1) where TS : ISimd<TV> where TV : unmanaged where TA : IAct
    {
        int w = TS.Width, nr = TS.TileVectors * w, mr = TS.TileRows;
        TV* tile = stackalloc TV[32];
        for (int col = c0; col < c1; col += nr)
        {
            int cols = Math.Min(nr, c1 - col);
            int vectors = (cols + w - 1) / w;
            int last = cols - (vectors - 1) * w;
            TV mask = TS.Mask(last);
            bool masked = last != w;
            for (int row = m0; row < m1; row += mr)
            {
                int rows = Math.Min(mr, m1 - row);
                float* wp = packedW + (long)row * k;
                float* bp = b + col;
                float* cp = c + row * ldc + col;
                float* bi = bias + row;
                if (rows > 4) Dispatch<TS, TV, TA, C8>(vectors, masked, wp, k, bp, ldb, bi, cp, ldc, rows, mask, tile);
                else Dispatch<TS, TV, TA, C4>(vectors, masked, wp, k, bp, ldb, bi, cp, ldc, rows, mask, tile);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Dispatch<TS, TV, TA, TM>(int vectors, bool masked, float* w, int k, float* b, nint ldb, float* bias, float* c,
        nint ldc, int rows, TV mask, TV* tile) where TS : ISimd<TV> where TV : unmanaged where TA : IAct where TM : IConst
    {
        switch (vectors, masked)
        {
            case (1, false): Tile<TS, TV, TA, TM, C1, C0>(w, k, b, ldb, bias, c, ldc, rows, mask, tile); break;
            case (1, true): Tile<TS, TV, TA, TM, C1, C1>(w, k, b, ldb, bias, c, ldc, rows, mask, tile); break;
            case (2, false): Tile<TS, TV, TA, TM, C2, C0>(w, k, b, ldb, bias, c, ldc, rows, mask, tile); break;
            case (2, true): Tile<TS, TV, TA, TM, C2, C1>(w, k, b, ldb, bias, c, ldc, rows, mask, tile); break;
            case (3, false): Tile<TS, TV, TA, TM, C3, C0>(w, k, b, ldb, bias, c, ldc, rows, mask, tile); break;
            case (3, true): Tile<TS, TV, TA, TM, C3, C1>(w, k, b, ldb, bias, c, ldc, rows, mask, tile); break;
            case (4, false): Tile<TS, TV, TA, TM, C4, C0>(w, k, b, ldb, bias, c, ldc, rows, mask, tile); break;
            default: Tile<TS, TV, TA, TM, C4, C1>(w, k, b, ldb, bias, c, ldc, rows, mask, tile); break;
        }
    }

    /// <summary>Loads vector <paramref name="v"/> of a row, masked when it is the last of a masked tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV LoadB<TS, TV, TN, TMask>(float* p, int v, TV mask) where TS : ISimd<TV> where TV : unmanaged where TN : IConst where TMask : IConst =>
        TMask.Value != 0 && v == TN.Value - 1 ? TS.LoadMasked(p + v * TS.Width, mask) : TS.Load(p + v * TS.Width);

    /// <summary>
    /// One micro-tile: TM (4 or 8) rows x TN vectors, the last one masked when TMask is 1. The packed weights of rows
    /// 0..3 are at <paramref name="w"/>, of rows 4..7 at <c>w + 4K</c>. Only the first <paramref name="rows"/> rows are
    /// stored. The epilogue (bias, activation TA, store) is inlined from the registers; sigmoid, which calls out per
    /// lane, goes through <paramref name="tile"/> and <see cref="SlowEpilogue"/> instead (an accumulator live across
    /// a call would be spilled inside the k loop).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Tile<TS, TV, TA, TM, TN, TMask>(float* w, int k, float* b, nint ldb, float* bias, float* c, nint ldc, int rows,
        TV mask, TV* tile) where TS : ISimd<TV> where TV : unmanaged where TA : IAct where TM : IConst where TN : IConst where TMask : IConst
    {
        int nv = TN.Value;
        bool eight = TM.Value == 8;
        TV c00 = TS.Zero, c01 = TS.Zero, c02 = TS.Zero, c03 = TS.Zero;
        TV c10 = TS.Zero, c11 = TS.Zero, c12 = TS.Zero, c13 = TS.Zero;
        TV c20 = TS.Zero, c21 = TS.Zero, c22 = TS.Zero, c23 = TS.Zero;
        TV c30 = TS.Zero, c31 = TS.Zero, c32 = TS.Zero, c33 = TS.Zero;
        TV c40 = TS.Zero, c41 = TS.Zero, c42 = TS.Zero, c43 = TS.Zero;
        TV c50 = TS.Zero, c51 = TS.Zero, c52 = TS.Zero, c53 = TS.Zero;
        TV c60 = TS.Zero, c61 = TS.Zero, c62 = TS.Zero, c63 = TS.Zero;
        TV c70 = TS.Zero, c71 = TS.Zero, c72 = TS.Zero, c73 = TS.Zero;
        float* w0 = w;
        float* w1 = w + 4 * k;
        for (int kk = 0; kk < k; kk++)
        {
            TV b0 = LoadB<TS, TV, TN, TMask>(b, 0, mask);
            TV b1 = nv > 1 ? LoadB<TS, TV, TN, TMask>(b, 1, mask) : TS.Zero;
            TV b2 = nv > 2 ? LoadB<TS, TV, TN, TMask>(b, 2, mask) : TS.Zero;
            TV b3 = nv > 3 ? LoadB<TS, TV, TN, TMask>(b, 3, mask) : TS.Zero;
            TV a;
            a = TS.Splat(w0[0]);
            c00 = TS.Fma(a, b0, c00);
            if (nv > 1) c01 = TS.Fma(a, b1, c01);
            if (nv > 2) c02 = TS.Fma(a, b2, c02);
            if (nv > 3) c03 = TS.Fma(a, b3, c03);
            a = TS.Splat(w0[1]);
            c10 = TS.Fma(a, b0, c10);
            if (nv > 1) c11 = TS.Fma(a, b1, c11);
            if (nv > 2) c12 = TS.Fma(a, b2, c12);
            if (nv > 3) c13 = TS.Fma(a, b3, c13);
            a = TS.Splat(w0[2]);
            c20 = TS.Fma(a, b0, c20);
            if (nv > 1) c21 = TS.Fma(a, b1, c21);
            if (nv > 2) c22 = TS.Fma(a, b2, c22);
            if (nv > 3) c23 = TS.Fma(a, b3, c23);
            a = TS.Splat(w0[3]);
            c30 = TS.Fma(a, b0, c30);
            if (nv > 1) c31 = TS.Fma(a, b1, c31);
            if (nv > 2) c32 = TS.Fma(a, b2, c32);
            if (nv > 3) c33 = TS.Fma(a, b3, c33);
            if (eight)
            {
                a = TS.Splat(w1[0]);
                c40 = TS.Fma(a, b0, c40);
                if (nv > 1) c41 = TS.Fma(a, b1, c41);
                if (nv > 2) c42 = TS.Fma(a, b2, c42);
                if (nv > 3) c43 = TS.Fma(a, b3, c43);
                a = TS.Splat(w1[1]);
                c50 = TS.Fma(a, b0, c50);
                if (nv > 1) c51 = TS.Fma(a, b1, c51);
                if (nv > 2) c52 = TS.Fma(a, b2, c52);
                if (nv > 3) c53 = TS.Fma(a, b3, c53);
                a = TS.Splat(w1[2]);
                c60 = TS.Fma(a, b0, c60);
                if (nv > 1) c61 = TS.Fma(a, b1, c61);
                if (nv > 2) c62 = TS.Fma(a, b2, c62);
                if (nv > 3) c63 = TS.Fma(a, b3, c63);
                a = TS.Splat(w1[3]);
                c70 = TS.Fma(a, b0, c70);
                if (nv > 1) c71 = TS.Fma(a, b1, c71);
                if (nv > 2) c72 = TS.Fma(a, b2, c72);
                if (nv > 3) c73 = TS.Fma(a, b3, c73);
                w1 += 4;
            }
            w0 += 4;
            b += ldb;
        }

        if (TA.Kind == ActivationKind.Sigmoid)
        {
            // Only the accumulators in use are stored: an unused one kept alive would hold a register through the loop.
            tile[0] = c00;
            if (nv > 1) tile[1] = c01;
            if (nv > 2) tile[2] = c02;
            if (nv > 3) tile[3] = c03;
            tile[4] = c10;
            if (nv > 1) tile[5] = c11;
            if (nv > 2) tile[6] = c12;
            if (nv > 3) tile[7] = c13;
            tile[8] = c20;
            if (nv > 1) tile[9] = c21;
            if (nv > 2) tile[10] = c22;
            if (nv > 3) tile[11] = c23;
            tile[12] = c30;
            if (nv > 1) tile[13] = c31;
            if (nv > 2) tile[14] = c32;
            if (nv > 3) tile[15] = c33;
            if (eight)
            {
                tile[16] = c40;
                if (nv > 1) tile[17] = c41;
                if (nv > 2) tile[18] = c42;
                if (nv > 3) tile[19] = c43;
                tile[20] = c50;
                if (nv > 1) tile[21] = c51;
                if (nv > 2) tile[22] = c52;
                if (nv > 3) tile[23] = c53;
                tile[24] = c60;
                if (nv > 1) tile[25] = c61;
                if (nv > 2) tile[26] = c62;
                if (nv > 3) tile[27] = c63;
                tile[28] = c70;
                if (nv > 1) tile[29] = c71;
                if (nv > 2) tile[30] = c72;
                if (nv > 3) tile[31] = c73;
            }
            SlowEpilogue<TS, TV, TN, TMask>(tile, rows, bias, c, ldc, mask, TA.Kind);
            return;
        }
        StoreRow<TS, TV, TA, TN, TMask>(c + 0 * ldc, bias[0], c00, c01, c02, c03, mask);
        if (rows > 1) StoreRow<TS, TV, TA, TN, TMask>(c + 1 * ldc, bias[1], c10, c11, c12, c13, mask);
        if (rows > 2) StoreRow<TS, TV, TA, TN, TMask>(c + 2 * ldc, bias[2], c20, c21, c22, c23, mask);
        if (rows > 3) StoreRow<TS, TV, TA, TN, TMask>(c + 3 * ldc, bias[3], c30, c31, c32, c33, mask);
        if (eight)
        {
            if (rows > 4) StoreRow<TS, TV, TA, TN, TMask>(c + 4 * ldc, bias[4], c40, c41, c42, c43, mask);
            if (rows > 5) StoreRow<TS, TV, TA, TN, TMask>(c + 5 * ldc, bias[5], c50, c51, c52, c53, mask);
            if (rows > 6) StoreRow<TS, TV, TA, TN, TMask>(c + 6 * ldc, bias[6], c60, c61, c62, c63, mask);
            if (rows > 7) StoreRow<TS, TV, TA, TN, TMask>(c + 7 * ldc, bias[7], c70, c71, c72, c73, mask);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreRow<TS, TV, TA, TN, TMask>(float* c, float bias, TV v0, TV v1, TV v2, TV v3, TV mask)
        where TS : ISimd<TV> where TV : unmanaged where TA : IAct where TN : IConst where TMask : IConst
    {
        TV bv = TS.Splat(bias);
        Put<TS, TV, TN, TMask>(c, 0, Act.Apply<TS, TV>(TS.Add(v0, bv), TA.Kind), mask);
        if (TN.Value > 1) Put<TS, TV, TN, TMask>(c, 1, Act.Apply<TS, TV>(TS.Add(v1, bv), TA.Kind), mask);
        if (TN.Value > 2) Put<TS, TV, TN, TMask>(c, 2, Act.Apply<TS, TV>(TS.Add(v2, bv), TA.Kind), mask);
        if (TN.Value > 3) Put<TS, TV, TN, TMask>(c, 3, Act.Apply<TS, TV>(TS.Add(v3, bv), TA.Kind), mask);
    }

    /// <summary>Row r of the tile (vectors <c>tile[4 r ..]</c>) plus its bias, activated, into row r of C.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static void SlowEpilogue<TS, TV, TN, TMask>(TV* tile, int rows, float* bias, float* c, nint ldc, TV mask, ActivationKind act)
        where TS : ISimd<TV> where TV : unmanaged where TN : IConst where TMask : IConst
    {
        for (int r = 0; r < rows; r++)
        {
            TV bv = TS.Splat(bias[r]);
            float* row = c + r * ldc;
            for (int v = 0; v < TN.Value; v++) Put<TS, TV, TN, TMask>(row, v, Act.Apply<TS, TV>(TS.Add(tile[4 * r + v], bv), act), mask);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Put<TS, TV, TN, TMask>(float* c, int v, TV value, TV mask) where TS : ISimd<TV> where TV : unmanaged where TN : IConst where TMask : IConst
    {
        if (TMask.Value != 0 && v == TN.Value - 1) TS.StoreMasked(c + v * TS.Width, value, mask);
        else TS.Store(c + v * TS.Width, value);
    }
}
