using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels;

/// <summary>
/// The depthwise convolution (3x3, 5x5, 7x7; stride 1 or 2) through shared-memory input tiles: the same result as
/// <see cref="DepthwiseConv2d"/> (its reference, and its fallback for other sizes). A group stages the input window
/// of its output tile (halo included, zeros outside the image) into static shared memory once, each input element read
/// from global memory once per tile; each thread then computes 4 adjacent outputs of one row, reading every input row
/// as 128-bit <see cref="Float4"/> loads (2-4 per row for 12-28 FMAs) and the weight row as one or two more. K is a
/// compile-time constant (the taps are unrolled by hand: ILGPU unrolls nothing); the stride is one of two code paths;
/// no loop divides. The tile shape is chosen per op by <see cref="ChooseTile(in ConvParams)"/>.
/// </summary>
public sealed class TiledDepthwiseConv2d : TiledLauncher<DepthwiseTile, Action<AcceleratorStream, KernelConfig,
    ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvParams>>
{
    private const string Op = nameof(TiledDepthwiseConv2d);

    private static readonly int[] Sizes = [3, 5, 7];

    /// <summary>
    /// The launcher. On CUDA every GPU tile shape is a candidate; elsewhere only the largest that fits (PoCL compiles
    /// about a second a kernel; tile shapes only matter on a GPU). <paramref name="tiles"/> overrides the candidates.
    /// </summary>
    /// <exception cref="NotSupportedException">The accelerator cannot run a requested tile (or even the 16-thread one).</exception>
    public TiledDepthwiseConv2d(Accelerator accelerator, IReadOnlyList<DepthwiseTile>? tiles = null)
        // One variant per (tile, kernel size): tile x 3 + size.
        : base(accelerator, DepthwiseTile.All, GpuTiles, tiles, DepthwiseTile.All.Count * Sizes.Length, Op)
    {
    }

    /// <summary>Whether the kernel computes a depthwise convolution of kernel size <paramref name="k"/> and
    /// <paramref name="stride"/>: K 3, 5 or 7, stride 1 or 2 (<see cref="DepthwiseConv2d"/> takes the rest).</summary>
    public static bool Supports(int k, int stride) => Sizes.Contains(k) && stride is 1 or 2;

    /// <summary>Whether the kernel computes <paramref name="p"/> (depthwise, see <see cref="Supports(int, int)"/>, padding below K).</summary>
    public static bool Supports(in ConvParams p) =>
        Supports(p.K, p.Stride) && p.Groups == p.Cin && p.Cout == p.Cin && p.Pad >= 0 && p.Pad < p.K;

    /// <summary>
    /// The tile for <paramref name="p"/>: the one with the best product of output fill (Ho, Wo and the planes rounded up
    /// to the tile) and halo ratio (input the tile needs over input it stages), the larger on a near tie (within 5%).
    /// Small tiles fill small maps but stage more halo per output: an 8x8 tile reads 10x10 inputs for a 3x3 kernel.
    /// </summary>
    public DepthwiseTile ChooseTile(in ConvParams p) => ChooseTile(p, Tiles);

    /// <summary>The tile <see cref="ChooseTile(in ConvParams)"/> picks from <paramref name="tiles"/> (the first on a near tie).</summary>
    public static DepthwiseTile ChooseTile(in ConvParams p, IReadOnlyList<DepthwiseTile> tiles)
    {
        var shape = p;
        return Best(tiles, t => Score(t, shape));
    }

    /// <summary>The candidates on CUDA: every tile but the 16-thread one.</summary>
    public static IReadOnlyList<DepthwiseTile> GpuTiles { get; } = [.. DepthwiseTile.All.Where(t => t != DepthwiseTile.D16x4)];

    /// <summary>Input elements the group of tile <paramref name="t"/> at row tile <paramref name="tileY"/> and column
    /// tile <paramref name="tileX"/> loads from one plane (its window clipped to the image; the kernel loads no more).</summary>
    public static long StagedElements(DepthwiseTile t, in ConvParams p, int tileY, int tileX)
    {
        int rows = (t.Height - 1) * p.Stride + p.K, cols = 4 * (((t.Width - 1) * p.Stride + p.K + 3) / 4);
        int y0 = tileY * t.Height * p.Stride - p.Pad, x0 = tileX * t.Width * p.Stride - p.Pad;
        long inRows = Math.Max(0, Math.Min(p.H, y0 + rows) - Math.Max(0, y0));
        long inCols = Math.Max(0, Math.Min(p.W, x0 + cols) - Math.Max(0, x0));
        return inRows * inCols;
    }

    /// <summary>Output fill times halo ratio of tile <paramref name="t"/> on <paramref name="p"/>.</summary>
    internal static double Score(DepthwiseTile t, in ConvParams p)
    {
        long planes = (long)p.N * p.Cout;
        double fill = (double)p.Ho * p.Wo * planes /
                      ((double)RoundUp(p.Ho, t.Height) * RoundUp(p.Wo, t.Width) * RoundUp(planes, t.Channels));
        double halo = (double)t.Width * p.Stride * t.Height * p.Stride /
                      (((t.Width - 1.0) * p.Stride + p.K) * ((t.Height - 1.0) * p.Stride + p.K));
        return fill * halo;
    }

    private static long RoundUp(long x, int m) => (x + m - 1) / m * m;

    /// <summary>Compiles the kernels for <paramref name="activation"/> and kernel size <paramref name="k"/> in every
    /// candidate tile now (otherwise on first launch).</summary>
    /// <exception cref="ArgumentException"><paramref name="k"/> is not 3, 5 or 7.</exception>
    public void Prepare(Activation activation, int k)
    {
        foreach (var t in Tiles)
            _ = KernelFor(activation, t, k);
    }

    /// <summary>
    /// Enqueues the depthwise convolution on <paramref name="stream"/> (default stream if null); does not synchronise.
    /// <paramref name="output"/> must not overlap the other views.
    /// </summary>
    /// <param name="stream">Stream, or null for the default stream.</param>
    /// <param name="input">Input buffer, at least N * InTotalChannels * H * W elements.</param>
    /// <param name="weight">Weight [C, 1, K, K], exactly C * K * K elements.</param>
    /// <param name="bias">Bias [C].</param>
    /// <param name="output">Output buffer, at least N * OutTotalChannels * Ho * Wo elements; only the slice is written.</param>
    /// <param name="p">Shape: depthwise, K 3/5/7, stride 1/2.</param>
    /// <param name="activation">Epilogue applied after the bias.</param>
    /// <exception cref="ArgumentException">An unsupported or inconsistent shape, or views of the wrong size.</exception>
    public void Launch(AcceleratorStream? stream, ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> bias, ArrayView<float> output, in ConvParams p, Activation activation)
    {
        activation.ThrowIfUndefined();
        p.Validate(Op);
        if (!Supports(p))
            throw new ArgumentException($"{Op}: needs Groups = Cin = Cout, K 3, 5 or 7, stride 1 or 2 and Pad < K. {p}");
        p.CheckViews(input, weight, bias, output, Op);
        long planes = (long)p.N * p.Cout;
        Checks.FitsInt(planes + 64, "N * C", Op);
        var tile = ChooseTile(p);
        var grid = new Index3D((int)((planes + tile.Channels - 1) / tile.Channels),
            (p.Ho + tile.Height - 1) / tile.Height, (p.Wo + tile.Width - 1) / tile.Width);
        Checks.Grid(grid, p, Op);
        KernelFor(activation, tile, p.K)(stream ?? Accelerator.DefaultStream,
            new KernelConfig(grid, new Index3D(tile.ThreadsX, tile.ThreadsY, tile.Channels)), input, weight, bias, output, p);
    }

    private Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ConvParams> KernelFor(Activation activation, DepthwiseTile tile, int k)
    {
        int size = Array.IndexOf(Sizes, k);
        if (size < 0)
            throw new ArgumentException($"{Op}: kernel size {k} is not 3, 5 or 7.", nameof(k));
        int t = DepthwiseTile.All.ToList().IndexOf(tile);
        return Specialization(activation, t * Sizes.Length + size);
    }

    private protected override Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ConvParams> Compile<TAct>(int variant) =>
        DepthwiseTile.All[variant / Sizes.Length].Name switch
        {
            nameof(DepthwiseTile.D64x16) => Load<TAct, DwTileD64x16>(variant % Sizes.Length),
            nameof(DepthwiseTile.D32x16) => Load<TAct, DwTileD32x16>(variant % Sizes.Length),
            nameof(DepthwiseTile.D16x16c2) => Load<TAct, DwTileD16x16c2>(variant % Sizes.Length),
            nameof(DepthwiseTile.D8x8c8) => Load<TAct, DwTileD8x8c8>(variant % Sizes.Length),
            _ => Load<TAct, DwTileD16x4>(variant % Sizes.Length),
        };

    private Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ConvParams> Load<TAct, TTile>(int size)
        where TAct : struct, IActivation where TTile : struct, IDepthwiseTile => size switch
    {
        0 => Load<TAct, TTile, Taps3>(),
        1 => Load<TAct, TTile, Taps5>(),
        _ => Load<TAct, TTile, Taps7>(),
    };

    private Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ConvParams> Load<TAct, TTile, TTaps>()
        where TAct : struct, IActivation where TTile : struct, IDepthwiseTile where TTaps : struct, IDepthwiseTaps =>
        Accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvParams>(
            Kernel<TAct, TTile, TTaps>);

    /// <summary>Float4s per shared-memory row of a tile: thread x reads Float4s stride * x .. + 3 (stride at most 2).</summary>
    internal static int RowFloat4s(int threadsX) => 2 * threadsX + 2;

    /// <summary>Shared-memory rows per plane: (ThreadsY - 1) * stride + K at stride 2, the larger.</summary>
    internal static int Rows(int threadsY, int k) => 2 * threadsY + k - 2;

    /// <summary>
    /// The kernel. Grid (plane groups, row tiles, column tiles), group (ThreadsX, ThreadsY, Channels). Thread (x, y, z)
    /// computes plane Grid.X * Channels + z (plane = n * C + c), row y of the tile, columns 4x .. 4x + 3. Shared row r,
    /// Float4 q holds input row iy0 + r, columns ix0 + 4q .. + 3 (zeros outside the image), so output (y, 4x + j)
    /// reads row y * s + ky, columns (4x + j) * s + kx: Float4s s * x .. s * x + 3. Sums ky then kx in order, then the
    /// bias, as the reference does (the padding taps add exact zeros).
    /// </summary>
    internal static void Kernel<TAct, TTile, TTaps>(ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> bias, ArrayView<float> output, ConvParams p)
        where TAct : struct, IActivation where TTile : struct, IDepthwiseTile where TTaps : struct, IDepthwiseTaps
    {
        int threadsX = default(TTile).ThreadsX;
        int threadsY = default(TTile).ThreadsY;
        int k = default(TTaps).K;
        int pitch = RowFloat4s(default(TTile).ThreadsX);
        int rows = Rows(default(TTile).ThreadsY, default(TTaps).K);
        var tile = SharedMemory.Allocate<Float4>(default(TTile).Channels * Rows(default(TTile).ThreadsY, default(TTaps).K) *
                                                 RowFloat4s(default(TTile).ThreadsX));
        var weights = SharedMemory.Allocate<Float4>(default(TTile).Channels * 2 * default(TTaps).K); // [z][ky][2]

        int tx = Group.IdxX;
        int ty = Group.IdxY;
        int tz = Group.IdxZ;
        int s = p.Stride;
        int c = Grid.IdxX * default(TTile).Channels + tz;   // the plane, n * C + c, for now
        bool live = c < p.N * p.Cout;
        int n = live ? c / p.Cout : 0;
        c = live ? c - n * p.Cout : 0;
        int oy0 = Grid.IdxY * threadsY;
        int ox0 = Grid.IdxZ * 4 * threadsX;
        int iy0 = oy0 * s - p.Pad;
        int ix0 = ox0 * s - p.Pad;
        int w = p.W;
        int h = p.H;
        int zTile = tz * rows * pitch;
        int zWeights = tz * 2 * k;

        // Every per-thread base below starts a loop's induction variable: at O2 ILGPU moves a value used only inside a
        // loop into it (a shuffled input map's division included), but not a loop variable's starting value.
        // Stage the input window: rows (ThreadsY - 1) * s + K, Float4 columns by thread x, zeros outside the image.
        int inRows = (threadsY - 1) * s + k;
        int iy = iy0 + ty;
        int rowBase = (n * p.InTotalChannels + p.InMap.Source(c)) * h * w + iy * w;
        int rowStep = threadsY * w;
        // Float4s of a row the threads read: (4 ThreadsX - 1) s + K columns (at stride 1 about half the row's room).
        int inFloat4s = ((4 * threadsX - 1) * s + k + 3) >> 2;
        for (int r = ty * pitch; r < inRows * pitch; r += threadsY * pitch)
        {
            bool rowInside = live && iy >= 0 && iy < h;
            int ix = ix0 + 4 * tx;
            for (int q = tx; q < inFloat4s; q += threadsX)
            {
                tile[zTile + r + q] = new Float4(
                    LoadOrZero(input, rowInside, rowBase, ix, w),
                    LoadOrZero(input, rowInside, rowBase, ix + 1, w),
                    LoadOrZero(input, rowInside, rowBase, ix + 2, w),
                    LoadOrZero(input, rowInside, rowBase, ix + 3, w));
                ix += 4 * threadsX;
            }
            iy += threadsY;
            rowBase += rowStep;
        }
        // Stage the weights: row ky as two Float4s (taps 0..3, 4..7; zeros past K).
        int wRow = c * k * k + ty * k;
        for (int r = ty; r < k; r += threadsY)
        {
            for (int q = tx; q < 2; q += threadsX)
            {
                int kx = 4 * q;
                int wBase = wRow + kx;
                weights[zWeights + 2 * r + q] = new Float4(
                    live && kx < k ? weight[wBase] : 0f,
                    live && kx + 1 < k ? weight[wBase + 1] : 0f,
                    live && kx + 2 < k ? weight[wBase + 2] : 0f,
                    live && kx + 3 < k ? weight[wBase + 3] : 0f);
            }
            wRow += threadsY * k;
        }
        Group.Barrier();

        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
        int at = zTile + ty * s * pitch + tx * s;
        int wAt = zWeights;
        if (s == 1)
        {
            for (int ky = 0; ky < k; ky++)
            {
                // 3 + K values: 6 (K 3) and 8 (K 5) in two Float4s, 10 (K 7) in three.
                var f0 = tile[at];
                var f1 = tile[at + 1];
                var f2 = default(TTaps).K > 5 ? tile[at + 2] : default;
                var w0 = weights[wAt];
                var w1 = default(TTaps).K > 4 ? weights[wAt + 1] : default;
                a0 = Taps<TTaps>(a0, w0, w1, f0.X, f0.Y, f0.Z, f0.W, f1.X, f1.Y, f1.Z);
                a1 = Taps<TTaps>(a1, w0, w1, f0.Y, f0.Z, f0.W, f1.X, f1.Y, f1.Z, f1.W);
                a2 = Taps<TTaps>(a2, w0, w1, f0.Z, f0.W, f1.X, f1.Y, f1.Z, f1.W, f2.X);
                a3 = Taps<TTaps>(a3, w0, w1, f0.W, f1.X, f1.Y, f1.Z, f1.W, f2.X, f2.Y);
                at += pitch;
                wAt += 2;
            }
        }
        else
        {
            for (int ky = 0; ky < k; ky++)
            {
                // 6 + K values: 9 (K 3) and 11 (K 5) in three Float4s, 13 (K 7) in four.
                var f0 = tile[at];
                var f1 = tile[at + 1];
                var f2 = tile[at + 2];
                var f3 = default(TTaps).K > 6 ? tile[at + 3] : default;
                var w0 = weights[wAt];
                var w1 = default(TTaps).K > 4 ? weights[wAt + 1] : default;
                a0 = Taps<TTaps>(a0, w0, w1, f0.X, f0.Y, f0.Z, f0.W, f1.X, f1.Y, f1.Z);
                a1 = Taps<TTaps>(a1, w0, w1, f0.Z, f0.W, f1.X, f1.Y, f1.Z, f1.W, f2.X);
                a2 = Taps<TTaps>(a2, w0, w1, f1.X, f1.Y, f1.Z, f1.W, f2.X, f2.Y, f2.Z);
                a3 = Taps<TTaps>(a3, w0, w1, f1.Z, f1.W, f2.X, f2.Y, f2.Z, f2.W, f3.X);
                at += pitch;
                wAt += 2;
            }
        }

        int oy = oy0 + ty;
        if (!live || oy >= p.Ho)
            return;
        float b = bias[c];
        int ox = ox0 + 4 * tx;
        int wo = p.Wo;
        int outRow = ((n * p.OutTotalChannels + p.OutChannelOffset + c) * p.Ho + oy) * wo + ox;
        if (ox < wo)
            output[outRow] = default(TAct).Apply(a0 + b);
        if (ox + 1 < wo)
            output[outRow + 1] = default(TAct).Apply(a1 + b);
        if (ox + 2 < wo)
            output[outRow + 2] = default(TAct).Apply(a2 + b);
        if (ox + 3 < wo)
            output[outRow + 3] = default(TAct).Apply(a3 + b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LoadOrZero(ArrayView<float> input, bool rowInside, int rowBase, int x, int w) =>
        rowInside && x >= 0 && x < w ? input[rowBase + x] : 0f;

    /// <summary>One row of K taps into an accumulator, in kx order: <c>acc + w[0] v0 + ... + w[K-1] v(K-1)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Taps<TTaps>(float acc, Float4 w0, Float4 w1, float v0, float v1, float v2, float v3, float v4,
        float v5, float v6) where TTaps : struct, IDepthwiseTaps
    {
        acc += w0.X * v0;
        acc += w0.Y * v1;
        acc += w0.Z * v2;
        if (default(TTaps).K > 3)
        {
            acc += w0.W * v3;
            acc += w1.X * v4;
        }
        if (default(TTaps).K > 5)
        {
            acc += w1.Y * v5;
            acc += w1.Z * v6;
        }
        return acc;
    }
}
