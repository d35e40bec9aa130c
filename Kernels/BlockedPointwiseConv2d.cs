using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels;

/// <summary>
/// The 1x1 convolution built to the H100 measurements (../shared/anchors/gpu-ilgpu.md): the same product as
/// <see cref="PointwiseConv2d"/> (its reference, and its fallback for shuffled input maps), per group g
/// <c>out[n, g*Mg + m, p] = act(sum_k w[g*Mg + m, k] * in[n, InMap.Source(g*Kg + k), p] + b[g*Mg + m])</c>, computed as
/// (Mg x Kg) x (Kg x N*H*W) with the batch folded into the pixel axis. Each thread holds 4 channels x 4 pixels;
/// the shared tiles are read as <see cref="Float4"/> (two 128-bit loads feed 16 FMAs); the K tile of 16 is
/// unrolled by hand (ILGPU unrolls nothing); the loops hold no integer division (per-thread pixel offsets are
/// computed once; the input map is an affine map there); weights are re-laid out once, at load, by
/// <see cref="PackWeights"/> to [G][Kg padded to 16][Mg padded to 64], so weight tiles need no bounds checks.
/// The tile shape is chosen per op from its sizes by <see cref="ChooseTile"/>.
/// </summary>
public sealed class BlockedPointwiseConv2d : TiledLauncher<BlockedTile, Action<AcceleratorStream, KernelConfig,
    ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BlockedPointwiseParams>>
{
    private const string Op = nameof(BlockedPointwiseConv2d);

    /// <summary>Depth of a K tile (the unrolled step count).</summary>
    public const int TileK = 16;

    /// <summary>Padding of Mg in the packed weights: the largest tile's channel extent.</summary>
    public const int ChannelPad = 64;

    private static readonly BlockedTile[] AllTiles = [BlockedTile.P64M64, BlockedTile.P32M64, BlockedTile.P64M32, BlockedTile.P16M16];

    /// <summary>
    /// The launcher. On CUDA every tile shape that fits is a candidate; elsewhere (CPU accelerators, OpenCL) only
    /// the largest that fits, so a network compiles one specialisation per activation (PoCL takes about a
    /// second per kernel, and tile shapes only matter on a GPU). <paramref name="tiles"/> overrides the candidates
    /// (tests run every shape on CPU devices this way).
    /// </summary>
    /// <exception cref="NotSupportedException">The accelerator cannot run a candidate tile (or even the 16-thread one).</exception>
    public BlockedPointwiseConv2d(Accelerator accelerator, IReadOnlyList<BlockedTile>? tiles = null)
        // One variant per (tile, epilogue): 2 x tile + (pooled ? 1 : 0).
        : base(accelerator, AllTiles, AllTiles, tiles, 2 * AllTiles.Length, Op)
    {
    }

    /// <summary>Whether the kernel computes <paramref name="p"/>: a 1x1 stride-1 convolution whose input map does
    /// not shuffle (a shuffle would put a division in the K loop; <see cref="PointwiseConv2d"/> takes those).</summary>
    public static bool Supports(in ConvParams p) => p.K == 1 && p.Stride == 1 && p.Pad == 0 && !p.InMap.IsShuffled;

    /// <summary>Length of the packed weights for <paramref name="p"/>: G x roundup(Kg, 16) x roundup(Mg, 64).</summary>
    public static long PackedWeightLength(in ConvParams p) =>
        (long)p.Groups * RoundUp(p.Cin / p.Groups, TileK) * RoundUp(p.Cout / p.Groups, ChannelPad);

    /// <summary>
    /// Re-lays out a weight [Cout, Cin / Groups] (as stored) to the kernel's [G][Kg padded][Mg padded], zeros in the
    /// padding. Done once, when a network's weights are uploaded.
    /// </summary>
    /// <exception cref="ArgumentException">The weight's length is not Cout x Cin / Groups.</exception>
    public static float[] PackWeights(ReadOnlySpan<float> weight, in ConvParams p)
    {
        p.Validate(Op);
        ReferenceChecks.Exact(weight.Length, p.WeightLength, nameof(weight), Op);
        int kg = p.Cin / p.Groups, mg = p.Cout / p.Groups;
        int kp = RoundUp(kg, TileK), mp = RoundUp(mg, ChannelPad);
        var packed = new float[PackedWeightLength(p)];
        for (int g = 0; g < p.Groups; g++)
        for (int m = 0; m < mg; m++)
        for (int k = 0; k < kg; k++)
            packed[((long)g * kp + k) * mp + m] = weight[(g * mg + m) * kg + k];
        return packed;
    }

    /// <summary>
    /// The tile for <paramref name="p"/>: the one wasting the fewest of its output slots on the ragged edges
    /// (N*H*W and Mg rounded up to the tile), the larger on a near tie (within 5%): a 7x7 map at batch 1 has 49
    /// pixels, which fill a 64-pixel tile 77% and a 32-pixel tile 77% too, but Mg = 24 fills a 64-channel tile 38%.
    /// </summary>
    public BlockedTile ChooseTile(in ConvParams p)
    {
        long pixels = (long)p.N * p.H * p.W;
        int mg = p.Cout / p.Groups;
        return Best(Tiles, t => Fill(t, pixels, mg));
    }

    private static double Fill(BlockedTile t, long pixels, int mg) =>
        (double)pixels * mg / ((double)RoundUp(pixels, t.Pixels) * RoundUp(mg, t.Channels));

    /// <summary>Compiles the kernels for <paramref name="activation"/> in every candidate tile now (otherwise on first launch).</summary>
    public void Prepare(Activation activation)
    {
        foreach (var t in Tiles)
            _ = KernelFor(activation, t);
    }

    /// <summary>Compiles the pooled-epilogue kernels (<see cref="LaunchPooled"/>) for <paramref name="activation"/> now.</summary>
    public void PreparePooled(Activation activation)
    {
        foreach (var t in Tiles)
            _ = KernelFor(activation, t, pooled: true);
    }

    /// <summary>
    /// Whether <see cref="LaunchPooled"/> computes <paramref name="p"/> with one of <paramref name="tiles"/>: what
    /// <see cref="Supports"/> takes, with one image's pixels (H x W) within a tile's pixels and one group.
    /// </summary>
    public static bool SupportsPooled(in ConvParams p, IReadOnlyList<BlockedTile> tiles)
    {
        int hw = p.H * p.W;
        return Supports(p) && p.Groups == 1 && tiles.Any(t => t.Pixels >= hw);
    }

    /// <summary>Whether this launcher's tiles take <paramref name="p"/> pooled (see <see cref="SupportsPooled(in ConvParams, IReadOnlyList{BlockedTile})"/>).</summary>
    public bool SupportsPooled(in ConvParams p) => SupportsPooled(p, Tiles);

    /// <summary>
    /// Enqueues the convolution followed by a global average pool: <c>out[n, OutChannelOffset + co] = mean over the
    /// H x W pixels of act(conv + bias)</c>, written to an [N, OutTotalChannels] output (the pool's [N, C, 1, 1]); the
    /// convolution's own output never reaches global memory. One group per image and channel tile: each thread sums
    /// its 4 pixels per channel, the group adds the ThreadsX partial sums in order, then divides by H x W.
    /// </summary>
    /// <exception cref="ArgumentException">An unsupported shape (<see cref="SupportsPooled(in ConvParams)"/>) or views of the wrong size.</exception>
    public void LaunchPooled(AcceleratorStream? stream, ArrayView<float> input, ArrayView<float> packedWeight,
        ArrayView<float> bias, ArrayView<float> output, in ConvParams p, Activation activation)
    {
        activation.ThrowIfUndefined();
        p.Validate(Op);
        if (!SupportsPooled(p))
            throw new ArgumentException($"{Op}: a pooled launch needs what Launch needs, one group and H x W within {Tiles.Max(t => t.Pixels)} pixels. {p}");
        CheckViews(input, packedWeight, bias, output, (long)p.N * p.OutTotalChannels, p);
        int hw = p.H * p.W;
        // The tile wasting the fewest channel slots among those holding one image's pixels.
        int cout = p.Cout;
        var tile = Tiles.Where(t => t.Pixels >= hw).OrderBy(t => RoundUp(cout, t.Channels)).ThenByDescending(t => t.Threads).First();
        Enqueue(stream, activation, tile, pooled: true, new Index3D(p.N, (p.Cout + tile.Channels - 1) / tile.Channels, 1),
            input, packedWeight, bias, output, p, p.N * hw);
    }

    /// <summary>
    /// Enqueues the convolution on <paramref name="stream"/> (default stream if null); does not synchronise.
    /// <paramref name="packedWeight"/> is <see cref="PackWeights"/>' output for the same <paramref name="p"/>.
    /// </summary>
    /// <param name="stream">Stream, or null for the default stream.</param>
    /// <param name="input">Input buffer, at least N * InTotalChannels * H * W elements.</param>
    /// <param name="packedWeight">Packed weights, exactly <see cref="PackedWeightLength"/> elements.</param>
    /// <param name="bias">Bias [Cout].</param>
    /// <param name="output">Output buffer, at least N * OutTotalChannels * H * W elements; only the slice is written.</param>
    /// <param name="p">Shape (1x1, stride 1, an input map that does not shuffle).</param>
    /// <param name="activation">Epilogue applied after the bias.</param>
    /// <exception cref="ArgumentException">An unsupported or inconsistent shape, or views of the wrong size.</exception>
    public void Launch(AcceleratorStream? stream, ArrayView<float> input, ArrayView<float> packedWeight,
        ArrayView<float> bias, ArrayView<float> output, in ConvParams p, Activation activation)
    {
        activation.ThrowIfUndefined();
        p.Validate(Op);
        if (!Supports(p))
            throw new ArgumentException($"{Op}: needs K = 1, Stride = 1, Pad = 0 and an input map that does not shuffle. {p}");
        CheckViews(input, packedWeight, bias, output, p.OutputBufferLength, p);
        long pixels = (long)p.N * p.H * p.W;
        Checks.FitsInt(pixels + 64, "N * H * W", Op);
        var tile = ChooseTile(p);
        int mg = p.Cout / p.Groups;
        Enqueue(stream, activation, tile, pooled: false,
            new Index3D((int)((pixels + tile.Pixels - 1) / tile.Pixels), (mg + tile.Channels - 1) / tile.Channels, p.Groups),
            input, packedWeight, bias, output, p, (int)pixels);
    }

    /// <summary>The views of <see cref="Launch"/> and <see cref="LaunchPooled"/>: the packed weight's length, and the output's.</summary>
    private static void CheckViews(ArrayView<float> input, ArrayView<float> packedWeight, ArrayView<float> bias,
        ArrayView<float> output, long outputLength, in ConvParams p)
    {
        p.CheckViews(input, packedWeight, PackedWeightLength(p), bias, output, outputLength, Op);
        Checks.FitsInt(PackedWeightLength(p), "packed weight", Op);
    }

    /// <summary>Launches the kernel of <paramref name="tile"/> over <paramref name="grid"/> (pixel tiles or images,
    /// channel tiles, groups), <paramref name="pixels"/> being N x H x W.</summary>
    private void Enqueue(AcceleratorStream? stream, Activation activation, BlockedTile tile, bool pooled, Index3D grid,
        ArrayView<float> input, ArrayView<float> packedWeight, ArrayView<float> bias, ArrayView<float> output,
        in ConvParams p, int pixels)
    {
        Checks.Grid(grid, p, Op);
        KernelFor(activation, tile, pooled)(stream ?? Accelerator.DefaultStream,
            new KernelConfig(grid, new Index3D(tile.ThreadsX, tile.ThreadsY, 1)), input, packedWeight, bias, output,
            new BlockedPointwiseParams(p, pixels, RoundUp(p.Cin / p.Groups, TileK), RoundUp(p.Cout / p.Groups, ChannelPad)));
    }

    private Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, BlockedPointwiseParams> KernelFor(Activation activation, BlockedTile tile, bool pooled = false) =>
        Specialization(activation, 2 * Array.IndexOf(AllTiles, tile) + (pooled ? 1 : 0));

    private protected override Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, BlockedPointwiseParams> Compile<TAct>(int variant) =>
        variant % 2 == 1 ? Load<TAct, PooledOutput>(AllTiles[variant / 2]) : Load<TAct, StoredOutput>(AllTiles[variant / 2]);

    private Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, BlockedPointwiseParams> Load<TAct, TOut>(BlockedTile tile)
        where TAct : struct, IActivation where TOut : struct, IPointwiseOutput => tile.Name switch
    {
        nameof(BlockedTile.P64M64) => Load<TAct, TileP64M64, TOut>(),
        nameof(BlockedTile.P32M64) => Load<TAct, TileP32M64, TOut>(),
        nameof(BlockedTile.P64M32) => Load<TAct, TileP64M32, TOut>(),
        _ => Load<TAct, TileP16M16, TOut>(),
    };

    private Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, BlockedPointwiseParams> Load<TAct, TTile, TOut>()
        where TAct : struct, IActivation where TTile : struct, IPointwiseTile where TOut : struct, IPointwiseOutput =>
        Accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BlockedPointwiseParams>(
            Kernel<TAct, TTile, TOut>);

    private static int RoundUp(int x, int m) => (x + m - 1) / m * m;

    private static long RoundUp(long x, int m) => (x + m - 1) / m * m;

    /// <summary>
    /// The kernel. Grid (pixel tiles, channel tiles, groups), group (ThreadsX, ThreadsY). Thread (tx, ty) computes
    /// channels m0 + 4 ty + i and pixels p0 + 4 tx + j, i, j in 0..3. Per K tile each thread stages whole
    /// <see cref="Float4"/>s: weights (4 channels of one k row) and inputs (4 pixels of one k row); its pixel
    /// offsets are fixed for the whole loop, so they are computed once. Every output sums k in order 0..Kg-1
    /// (the padded rows add zeros), then the bias, as the reference does.
    /// </summary>
    internal static void Kernel<TAct, TTile, TOut>(ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> bias, ArrayView<float> output, BlockedPointwiseParams q)
        where TAct : struct, IActivation where TTile : struct, IPointwiseTile where TOut : struct, IPointwiseOutput
    {
        var p = q.Conv;
        int tx4 = default(TTile).ThreadsX;   // Float4s per k row of the input tile
        int ty4 = default(TTile).ThreadsY;   // Float4s per k row of the weight tile
        var aTile = SharedMemory.Allocate<Float4>(TileK * default(TTile).ThreadsY); // [k][m / 4]
        var bTile = SharedMemory.Allocate<Float4>(TileK * default(TTile).ThreadsX); // [k][p / 4]

        int tx = Group.IdxX;
        int ty = Group.IdxY;
        int tid = ty * tx4 + tx;
        int g = Grid.IdxZ;
        // Sizes come precomputed: ILGPU's O2 sinks values used only in a loop into it, divisions included.
        int kg = q.Kg;
        int mg = q.Mg;
        int hw = q.Hw;
        int pixels = q.Pixels;
        int kPadded = q.KPadded;
        int mPadded = q.MPadded;
        int m0 = Grid.IdxY * 4 * ty4;
        // Pooled: one image per group (its pixels [n hw, n hw + hw), hw within the tile); else consecutive pixel tiles.
        int p0 = default(TOut).Pooled ? Grid.IdxX * hw : Grid.IdxX * 4 * tx4;
        if (default(TOut).Pooled)
            pixels = p0 + hw;

        // Weight staging: this thread copies the Float4 (k = aRow + r * aRowStep, m = m0 + 4 * aCol .. + 3).
        // (No '%': ptxas 11.8 turns a signed remainder by 16 into a reciprocal sequence, and O2 sinks it into the loop.)
        int aRow = tid / ty4;
        int aCol = tid - aRow * ty4;
        int aRowStep = tx4;
        int aBase = (g * kPadded + aRow) * mPadded + m0 + 4 * aCol;

        // Input staging: the Float4 (k = bRow + r * bRowStep, pixels p0 + 4 * bCol .. + 3). Each pixel's offset in
        // an input channel plane (n * InTotalChannels * hw + s), or -1 past the end, computed once.
        int bRow = tid / tx4;
        int bCol = tid - bRow * tx4;
        int bRowStep = ty4;
        int firstPixel = p0 + 4 * bCol;
        int o0 = PixelOffset(firstPixel, pixels, hw, p.InTotalChannels);
        int o1 = PixelOffset(firstPixel + 1, pixels, hw, p.InTotalChannels);
        int o2 = PixelOffset(firstPixel + 2, pixels, hw, p.InTotalChannels);
        int o3 = PixelOffset(firstPixel + 3, pixels, hw, p.InTotalChannels);
        // The input map is affine here (no shuffle): logical channel c reads plane Offset + Stride * c.
        int mapStride = p.InMap.Stride;
        int firstChannel = p.InMap.Offset + mapStride * (g * kg);

        var acc = default(Accumulator4x4);
        for (int k0 = 0; k0 < kg; k0 += TileK)
        {
            for (int k = aRow; k < TileK; k += aRowStep)
            {
                int a = aBase + (k0 + k - aRow) * mPadded;
                aTile[k * ty4 + aCol] = new Float4(weight[a], weight[a + 1], weight[a + 2], weight[a + 3]);
            }
            for (int k = bRow; k < TileK; k += bRowStep)
            {
                int gk = k0 + k;
                int plane = (firstChannel + mapStride * gk) * hw;
                bool row = gk < kg;
                bTile[k * tx4 + bCol] = new Float4(
                    row && o0 >= 0 ? input[plane + o0] : 0f,
                    row && o1 >= 0 ? input[plane + o1] : 0f,
                    row && o2 >= 0 ? input[plane + o2] : 0f,
                    row && o3 >= 0 ? input[plane + o3] : 0f);
            }
            Group.Barrier();

            // The K tile, unrolled by hand: per step two 128-bit shared loads and 16 FMAs.
            acc.Add(aTile[0 * ty4 + ty], bTile[0 * tx4 + tx]);
            acc.Add(aTile[1 * ty4 + ty], bTile[1 * tx4 + tx]);
            acc.Add(aTile[2 * ty4 + ty], bTile[2 * tx4 + tx]);
            acc.Add(aTile[3 * ty4 + ty], bTile[3 * tx4 + tx]);
            acc.Add(aTile[4 * ty4 + ty], bTile[4 * tx4 + tx]);
            acc.Add(aTile[5 * ty4 + ty], bTile[5 * tx4 + tx]);
            acc.Add(aTile[6 * ty4 + ty], bTile[6 * tx4 + tx]);
            acc.Add(aTile[7 * ty4 + ty], bTile[7 * tx4 + tx]);
            acc.Add(aTile[8 * ty4 + ty], bTile[8 * tx4 + tx]);
            acc.Add(aTile[9 * ty4 + ty], bTile[9 * tx4 + tx]);
            acc.Add(aTile[10 * ty4 + ty], bTile[10 * tx4 + tx]);
            acc.Add(aTile[11 * ty4 + ty], bTile[11 * tx4 + tx]);
            acc.Add(aTile[12 * ty4 + ty], bTile[12 * tx4 + tx]);
            acc.Add(aTile[13 * ty4 + ty], bTile[13 * tx4 + tx]);
            acc.Add(aTile[14 * ty4 + ty], bTile[14 * tx4 + tx]);
            acc.Add(aTile[15 * ty4 + ty], bTile[15 * tx4 + tx]);
            Group.Barrier();
        }

        int firstOut = p0 + 4 * tx;
        int mA = m0 + 4 * ty;
        if (default(TOut).Pooled)
        {
            // Each thread's 4 pixels per channel, then the ThreadsX partial sums of each channel in order.
            var sums = SharedMemory.Allocate<float>(4 * default(TTile).ThreadsY * default(TTile).ThreadsX); // [m][x]
            int row = 4 * ty * tx4 + tx;
            sums[row] = PooledRow<TAct>(bias, g, mg, mA, firstOut, pixels, acc.C00, acc.C01, acc.C02, acc.C03);
            sums[row + tx4] = PooledRow<TAct>(bias, g, mg, mA + 1, firstOut, pixels, acc.C10, acc.C11, acc.C12, acc.C13);
            sums[row + 2 * tx4] = PooledRow<TAct>(bias, g, mg, mA + 2, firstOut, pixels, acc.C20, acc.C21, acc.C22, acc.C23);
            sums[row + 3 * tx4] = PooledRow<TAct>(bias, g, mg, mA + 3, firstOut, pixels, acc.C30, acc.C31, acc.C32, acc.C33);
            Group.Barrier();
            // Thread x < 4 of each channel row adds channel mA + x's partial sums.
            int m = mA + tx;
            if (tx < 4 && m < mg)
            {
                int at = (4 * ty + tx) * tx4;
                float total = 0f;
                for (int x = 0; x < tx4; x++)
                    total += sums[at + x];
                output[Grid.IdxX * p.OutTotalChannels + p.OutChannelOffset + g * mg + m] = total / hw;
            }
            return;
        }
        // The reference kernel's epilogue, with this thread's pixels adjacent (step 1).
        PointwiseConv2d.StoreRow<TAct>(output, bias, p, g, mg, mA, firstOut, 1, pixels, hw, acc.C00, acc.C01, acc.C02, acc.C03);
        PointwiseConv2d.StoreRow<TAct>(output, bias, p, g, mg, mA + 1, firstOut, 1, pixels, hw, acc.C10, acc.C11, acc.C12, acc.C13);
        PointwiseConv2d.StoreRow<TAct>(output, bias, p, g, mg, mA + 2, firstOut, 1, pixels, hw, acc.C20, acc.C21, acc.C22, acc.C23);
        PointwiseConv2d.StoreRow<TAct>(output, bias, p, g, mg, mA + 3, firstOut, 1, pixels, hw, acc.C30, acc.C31, acc.C32, acc.C33);
    }

    /// <summary>Sum of act(v + bias) over this thread's pixels <c>pixel .. pixel + 3</c> below <paramref name="end"/>
    /// for channel <paramref name="m"/> (0 past the channels).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float PooledRow<TAct>(ArrayView<float> bias, int g, int mg, int m, int pixel, int end,
        float v0, float v1, float v2, float v3) where TAct : struct, IActivation
    {
        if (m >= mg)
            return 0f;
        float b = bias[g * mg + m];
        float sum = 0f;
        if (pixel < end)
            sum += default(TAct).Apply(v0 + b);
        if (pixel + 1 < end)
            sum += default(TAct).Apply(v1 + b);
        if (pixel + 2 < end)
            sum += default(TAct).Apply(v2 + b);
        if (pixel + 3 < end)
            sum += default(TAct).Apply(v3 + b);
        return sum;
    }

    /// <summary>Offset of <paramref name="pixel"/> (batch folded in) in channel plane 0 of the input, or -1 past the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PixelOffset(int pixel, int pixels, int hw, int totalChannels)
    {
        if (pixel >= pixels)
            return -1;
        int n = pixel / hw;
        return n * totalChannels * hw + (pixel - n * hw);
    }
}
