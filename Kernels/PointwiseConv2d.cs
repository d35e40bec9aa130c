using ShuffleNetGpu.Kernels.Common;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels;

/// <summary>Thread-block shape of the tiled <see cref="PointwiseConv2d"/> kernel.</summary>
public enum PointwiseTile
{
    /// <summary><see cref="Large"/> where the accelerator allows 256 threads per group, else <see cref="Small"/>.</summary>
    Auto = 0,
    /// <summary>64 output channels x 64 pixels per group of 16x16 threads, 4x4 outputs per thread.</summary>
    Large = 1,
    /// <summary>16 output channels x 16 pixels per group of 4x4 threads, 4x4 outputs per thread (small devices,
    /// e.g. ILGPU's default CPU accelerator, which allows only 16 threads per group).</summary>
    Small = 2,
}

/// <summary>Compile-time tile shape for the pointwise kernel (ILGPU specialises the kernel per struct).</summary>
public interface IPointwiseTile
{
    /// <summary>Threads along the pixel axis; the tile covers 4x as many pixels.</summary>
    int ThreadsX { get; }
    /// <summary>Threads along the output-channel axis; the tile covers 4x as many channels.</summary>
    int ThreadsY { get; }
}

/// <summary>16x16 threads: a 64x64 output tile.</summary>
public readonly struct PointwiseTileLarge : IPointwiseTile
{
    /// <inheritdoc/>
    public int ThreadsX => 16;
    /// <inheritdoc/>
    public int ThreadsY => 16;
}

/// <summary>4x4 threads: a 16x16 output tile.</summary>
public readonly struct PointwiseTileSmall : IPointwiseTile
{
    /// <inheritdoc/>
    public int ThreadsX => 4;
    /// <inheritdoc/>
    public int ThreadsY => 4;
}

/// <summary>
/// 1x1 convolution (stride 1, no padding) as a tiled matrix product, per group g:
/// <c>out[n, g*Mg + m, p] = act(sum_k w[g*Mg + m, k] * in[n, InMap.Source(g*Kg + k), p] + b[g*Mg + m])</c> with
/// Kg = Cin / Groups, Mg = Cout / Groups, p over H x W. The product is (Mg x Kg) x (Kg x N*H*W): the batch is
/// folded into the pixel axis. Static shared-memory tiles (TileK = 16 deep), 4x4 outputs per thread; edge tiles
/// handle any sizes. Weight layout [Cout, Cin / Groups] as stored (no transposition).
/// </summary>
public sealed class PointwiseConv2d : ActivationLauncher<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ConvParams>>
{
    private const string Op = nameof(PointwiseConv2d);

    /// <summary>Depth of a K tile.</summary>
    public const int TileK = 16;

    /// <summary>
    /// Creates the launcher with the given tile shape; each activation's specialisation compiles on <c>Prepare</c> or first launch.
    /// </summary>
    /// <exception cref="NotSupportedException">The accelerator cannot run a group of the chosen size.</exception>
    public PointwiseConv2d(Accelerator accelerator, PointwiseTile tile = PointwiseTile.Auto)
        : base(accelerator)
    {
        if (tile == PointwiseTile.Auto)
            tile = accelerator.MaxNumThreadsPerGroup >= 256 ? PointwiseTile.Large : PointwiseTile.Small;
        Tile = tile;
        (ThreadsX, ThreadsY) = tile switch
        {
            PointwiseTile.Large => (default(PointwiseTileLarge).ThreadsX, default(PointwiseTileLarge).ThreadsY),
            PointwiseTile.Small => (default(PointwiseTileSmall).ThreadsX, default(PointwiseTileSmall).ThreadsY),
            _ => throw new ArgumentOutOfRangeException(nameof(tile), tile, "unknown tile"),
        };
        if (ThreadsX * ThreadsY > accelerator.MaxNumThreadsPerGroup)
            throw new NotSupportedException(
                $"{Op}: tile {tile} needs {ThreadsX * ThreadsY} threads per group; {accelerator.Name} allows {accelerator.MaxNumThreadsPerGroup}.");
    }

    /// <summary>The tile shape in use (never <see cref="PointwiseTile.Auto"/>).</summary>
    public PointwiseTile Tile { get; }

    /// <summary>Threads per group along pixels.</summary>
    public int ThreadsX { get; }

    /// <summary>Threads per group along output channels.</summary>
    public int ThreadsY { get; }

    /// <inheritdoc/>
    protected override Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ConvParams> Load<TAct>() => Tile == PointwiseTile.Large
        ? Load<TAct, PointwiseTileLarge>(Accelerator)
        : Load<TAct, PointwiseTileSmall>(Accelerator);

    private static Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ConvParams> Load<TAct, TTile>(Accelerator accelerator)
        where TAct : struct, IActivation where TTile : struct, IPointwiseTile =>
        accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvParams>(
            Kernel<TAct, TTile>);

    /// <summary>
    /// Enqueues the 1x1 convolution on <paramref name="stream"/> (default stream if null); does not synchronise.
    /// Requires K = 1, Stride = 1, Pad = 0 (so Ho = H, Wo = W). <paramref name="output"/> must not overlap the
    /// other views.
    /// </summary>
    /// <param name="stream">Stream to launch on, or null for the default stream.</param>
    /// <param name="input">Input buffer, at least N * InTotalChannels * H * W elements.</param>
    /// <param name="weight">Weight [Cout, Cin / Groups] (= [Cout, Cin / Groups, 1, 1]), exactly that many elements.</param>
    /// <param name="bias">Bias [Cout].</param>
    /// <param name="output">Output buffer, at least N * OutTotalChannels * H * W elements; only the slice is written.</param>
    /// <param name="p">Shape, e.g. <c>ConvParams.Create(n, cin, h, w, cout, k: 1, groups: g, ...)</c>.</param>
    /// <param name="activation">Epilogue applied after the bias.</param>
    /// <exception cref="ArgumentException">Not a 1x1 stride-1 convolution, or inconsistent sizes.</exception>
    public void Launch(AcceleratorStream? stream, ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> bias, ArrayView<float> output, in ConvParams p, Activation activation)
    {
        activation.ThrowIfUndefined();
        p.Validate(Op);
        if (p.K != 1 || p.Stride != 1 || p.Pad != 0)
            throw new ArgumentException($"{Op}: needs K = 1, Stride = 1, Pad = 0. {p}");
        p.CheckViews(input, weight, bias, output, Op);
        long pixels = (long)p.N * p.H * p.W;
        Checks.FitsInt(pixels, "N * H * W", Op);
        int tileP = 4 * ThreadsX, tileM = 4 * ThreadsY;
        int mg = p.Cout / p.Groups;
        var grid = new Index3D((int)((pixels + tileP - 1) / tileP), (mg + tileM - 1) / tileM, p.Groups);
        Checks.Grid(grid, p, Op);
        KernelFor(activation)(stream ?? Accelerator.DefaultStream,
            new KernelConfig(grid, new Index3D(ThreadsX, ThreadsY, 1)), input, weight, bias, output, p);
    }

    /// <summary>
    /// The tiled kernel. Grid (pixel tiles, channel tiles, groups), group (ThreadsX, ThreadsY). Thread (tx, ty)
    /// computes channels m0 + ty + ThreadsY * i and pixels p0 + tx + ThreadsX * j, i, j in 0..3 (adjacent
    /// threads touch adjacent pixels, so loads and stores coalesce). Every output sums k in order 0..Kg-1.
    /// </summary>
    internal static void Kernel<TAct, TTile>(ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> bias, ArrayView<float> output, ConvParams p)
        where TAct : struct, IActivation where TTile : struct, IPointwiseTile
    {
        int threadsX = default(TTile).ThreadsX;
        int threadsY = default(TTile).ThreadsY;
        int tileP = 4 * threadsX;
        int tileM = 4 * threadsY;
        int threads = threadsX * threadsY;

        // Static shared memory: sizes are compile-time constants after specialisation on TTile.
        var aTile = SharedMemory.Allocate<float>(TileK * 4 * default(TTile).ThreadsY); // [k][m]
        var bTile = SharedMemory.Allocate<float>(TileK * 4 * default(TTile).ThreadsX); // [k][p]

        int tx = Group.IdxX;
        int ty = Group.IdxY;
        int tid = ty * threadsX + tx;
        int p0 = Grid.IdxX * tileP;
        int m0 = Grid.IdxY * tileM;
        int g = Grid.IdxZ;

        int kg = p.Cin / p.Groups;
        int mg = p.Cout / p.Groups;
        int hw = p.H * p.W;
        int pixels = p.N * hw;

        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;

        for (int k0 = 0; k0 < kg; k0 += TileK)
        {
            // Weight tile: element e -> (m = e / TileK, k = e % TileK); consecutive threads read consecutive k.
            for (int e = tid; e < TileK * tileM; e += threads)
            {
                int m = e / TileK;
                int k = e - m * TileK;
                int gm = m0 + m;
                int gk = k0 + k;
                aTile[k * tileM + m] = gm < mg && gk < kg ? weight[(g * mg + gm) * kg + gk] : 0f;
            }

            // Input tile: element e -> (k = e / tileP, pixel = e % tileP); consecutive threads read consecutive pixels.
            for (int e = tid; e < TileK * tileP; e += threads)
            {
                int k = e / tileP;
                int pp = e - k * tileP;
                int gp = p0 + pp;
                int gk = k0 + k;
                float v = 0f;
                if (gp < pixels && gk < kg)
                {
                    int n = gp / hw;
                    int s = gp - n * hw;
                    v = input[(n * p.InTotalChannels + p.InMap.Source(g * kg + gk)) * hw + s];
                }
                bTile[k * tileP + pp] = v;
            }

            Group.Barrier();

            for (int k = 0; k < TileK; k++)
            {
                int ab = k * tileM + ty;
                float a0 = aTile[ab];
                float a1 = aTile[ab + threadsY];
                float a2 = aTile[ab + 2 * threadsY];
                float a3 = aTile[ab + 3 * threadsY];
                int bb = k * tileP + tx;
                float b0 = bTile[bb];
                float b1 = bTile[bb + threadsX];
                float b2 = bTile[bb + 2 * threadsX];
                float b3 = bTile[bb + 3 * threadsX];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }

            Group.Barrier();
        }

        int mA = m0 + ty;
        int pA = p0 + tx;
        StoreRow<TAct>(output, bias, p, g, mg, mA, pA, threadsX, pixels, hw, c00, c01, c02, c03);
        StoreRow<TAct>(output, bias, p, g, mg, mA + threadsY, pA, threadsX, pixels, hw, c10, c11, c12, c13);
        StoreRow<TAct>(output, bias, p, g, mg, mA + 2 * threadsY, pA, threadsX, pixels, hw, c20, c21, c22, c23);
        StoreRow<TAct>(output, bias, p, g, mg, mA + 3 * threadsY, pA, threadsX, pixels, hw, c30, c31, c32, c33);
    }

    /// <summary>Bias, activation and store of one channel's four pixels <c>pixel + j * step</c> (shared with <see cref="BlockedPointwiseConv2d"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreRow<TAct>(ArrayView<float> output, ArrayView<float> bias, ConvParams p, int g,
        int mg, int m, int pixel, int step, int pixels, int hw, float v0, float v1, float v2, float v3)
        where TAct : struct, IActivation
    {
        if (m >= mg)
            return;
        int co = g * mg + m;
        float b = bias[co];
        int channelBase = p.OutChannelOffset + co;
        Store<TAct>(output, p, channelBase, pixel, pixels, hw, v0 + b);
        Store<TAct>(output, p, channelBase, pixel + step, pixels, hw, v1 + b);
        Store<TAct>(output, p, channelBase, pixel + 2 * step, pixels, hw, v2 + b);
        Store<TAct>(output, p, channelBase, pixel + 3 * step, pixels, hw, v3 + b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TAct>(ArrayView<float> output, ConvParams p, int channel, int pixel, int pixels,
        int hw, float value) where TAct : struct, IActivation
    {
        if (pixel >= pixels)
            return;
        int n = pixel / hw;
        int s = pixel - n * hw;
        output[(n * p.OutTotalChannels + channel) * hw + s] = default(TAct).Apply(value);
    }

    /// <summary>
    /// Plain scalar reference: a 1x1 convolution (K = 1, Stride = 1, Pad = 0) with the kernel's summation order
    /// (k ascending, bias added last). Equivalent to <see cref="Conv2d.Reference"/> for these shapes.
    /// </summary>
    /// <exception cref="ArgumentException">Not 1x1 stride 1, or inconsistent sizes.</exception>
    public static void Reference(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, in ConvParams p, Activation activation)
    {
        activation.ThrowIfUndefined();
        p.Validate(Op);
        if (p.K != 1 || p.Stride != 1 || p.Pad != 0)
            throw new ArgumentException($"{Op}.Reference: needs K = 1, Stride = 1, Pad = 0. {p}");
        ReferenceChecks.Span(input.Length, p.InputBufferLength, nameof(input), Op);
        ReferenceChecks.Exact(weight.Length, p.WeightLength, nameof(weight), Op);
        ReferenceChecks.Exact(bias.Length, p.Cout, nameof(bias), Op);
        ReferenceChecks.Span(output.Length, p.OutputBufferLength, nameof(output), Op);

        int kg = p.Cin / p.Groups, mg = p.Cout / p.Groups, hw = p.H * p.W;
        for (int n = 0; n < p.N; n++)
        for (int co = 0; co < p.Cout; co++)
        {
            int g = co / mg;
            int outBase = (n * p.OutTotalChannels + p.OutChannelOffset + co) * hw;
            for (int s = 0; s < hw; s++)
            {
                float acc = 0f;
                for (int k = 0; k < kg; k++)
                    acc += weight[co * kg + k] * input[(n * p.InTotalChannels + p.InMap.Source(g * kg + k)) * hw + s];
                output[outBase + s] = activation.Apply(acc + bias[co]);
            }
        }
    }
}
