using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels;

/// <summary>
/// The 1x1 convolution of <see cref="BlockedPointwiseConv2d"/> (same product, same packed weights, same input maps) on
/// TF32 tensor cores: <c>mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32</c> through ILGPU's inline PTX, both
/// operands rounded to TF32 (<see cref="Tf32.Round"/>) as they are staged, float32 accumulation. A group of 256 threads
/// (8 warps) computes 64 channels x 64 pixels: warp w takes channels 16 (w % 4) .. + 15 and pixels 32 (w / 4) .. + 31,
/// four m16n8 tiles. Opt-in (<c>Precision.Tf32</c>): its results differ from float32's within the rule of
/// <c>Tf32Tolerance</c>. On accelerators other than CUDA the tensor-core step is emulated from shared memory (same
/// rounding, float32 sums), so its indexing is tested on the CPU; the runtime uses it on CUDA only.
/// </summary>
public sealed class Tf32PointwiseConv2d
{
    private const string Op = nameof(Tf32PointwiseConv2d);

    /// <summary>Channels and pixels per group, and the K step staged at once.</summary>
    public const int TileM = 64, TileP = 64, TileK = BlockedPointwiseConv2d.TileK;

    /// <summary>Threads per group: 8 warps of 32.</summary>
    public const int Threads = 256;

    /// <summary>Floats per staged k row: 64 + 8, so a warp's fragment loads (rows t, columns g) hit 32 distinct banks.</summary>
    public const int RowStride = 72;

    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, BlockedPointwiseParams>?[] loaded = new Action<AcceleratorStream, KernelConfig, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, BlockedPointwiseParams>?[ActivationExtensions.Count];
    private readonly Lock gate = new();

    /// <exception cref="NotSupportedException">The accelerator allows fewer than 256 threads per group.</exception>
    public Tf32PointwiseConv2d(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (accelerator.MaxNumThreadsPerGroup < Threads)
            throw new NotSupportedException($"{Op}: needs {Threads} threads per group; {accelerator.Name} allows {accelerator.MaxNumThreadsPerGroup}.");
        Accelerator = accelerator;
    }

    /// <summary>The accelerator the kernels are compiled for.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Compiles the kernel for <paramref name="activation"/> now (otherwise on first launch).</summary>
    public void Prepare(Activation activation) => _ = KernelFor(activation);

    /// <summary>Enqueues the convolution (arguments as <see cref="BlockedPointwiseConv2d.Launch"/>, whose packed
    /// weights it reads); does not synchronise.</summary>
    /// <exception cref="ArgumentException">An unsupported or inconsistent shape, or views of the wrong size.</exception>
    public void Launch(AcceleratorStream? stream, ArrayView<float> input, ArrayView<float> packedWeight,
        ArrayView<float> bias, ArrayView<float> output, in ConvParams p, Activation activation)
    {
        activation.ThrowIfUndefined();
        p.Validate(Op);
        if (!BlockedPointwiseConv2d.Supports(p))
            throw new ArgumentException($"{Op}: needs K = 1, Stride = 1, Pad = 0 and an input map that does not shuffle. {p}");
        Checks.View(input, p.InputBufferLength, nameof(input), Op);
        Checks.ExactView(packedWeight, BlockedPointwiseConv2d.PackedWeightLength(p), nameof(packedWeight), Op);
        Checks.ExactView(bias, p.Cout, nameof(bias), Op);
        Checks.View(output, p.OutputBufferLength, nameof(output), Op);
        long pixels = (long)p.N * p.H * p.W;
        Checks.FitsInt(pixels + TileP, "N * H * W", Op);
        int mg = p.Cout / p.Groups, kg = p.Cin / p.Groups;
        var grid = new Index3D((int)((pixels + TileP - 1) / TileP), (mg + TileM - 1) / TileM, p.Groups);
        if (grid.Y > 65535 || grid.Z > 65535)
            throw new ArgumentException($"{Op}: grid {grid} too large. {p}");
        KernelFor(activation)(stream ?? Accelerator.DefaultStream, new KernelConfig(grid, new Index3D(Threads, 1, 1)),
            input, packedWeight, bias, output,
            new BlockedPointwiseParams(p, (int)pixels, RoundUp(kg, TileK), RoundUp(mg, BlockedPointwiseConv2d.ChannelPad)));
    }

    private static int RoundUp(int x, int m) => (x + m - 1) / m * m;

    private Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, BlockedPointwiseParams> KernelFor(Activation activation)
    {
        activation.ThrowIfUndefined();
        lock (gate)
            return loaded[(int)activation] ??= activation switch
            {
                Activation.None => Load<Identity>(),
                Activation.Relu => Load<Relu>(),
                Activation.HardSwish => Load<HardSwish>(),
                Activation.HardSigmoid => Load<HardSigmoid>(),
                _ => Load<Sigmoid>(),
            };
    }

    private Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, BlockedPointwiseParams> Load<TAct>() where TAct : struct, IActivation =>
        Accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BlockedPointwiseParams>(Kernel<TAct>);

    /// <summary>
    /// The kernel. Grid (pixel tiles, channel tiles, groups), group 256. Per K step of 16 each thread stages one
    /// 4-float run of a weight row (k = tid / 16, channels 4 (tid % 16) ..) and of an input row (the same k, 4 pixels),
    /// rounded to TF32; then each warp runs two k8 steps of four m16n8k8 products.
    /// </summary>
    internal static void Kernel<TAct>(ArrayView<float> input, ArrayView<float> weight, ArrayView<float> bias,
        ArrayView<float> output, BlockedPointwiseParams q) where TAct : struct, IActivation
    {
        var p = q.Conv;
        var aTile = SharedMemory.Allocate<float>(TileK * RowStride);   // [k][m]
        var bTile = SharedMemory.Allocate<float>(TileK * RowStride);   // [k][pixel]
        int tid = Group.IdxX;
        int g = Grid.IdxZ;
        int kg = q.Kg;
        int mg = q.Mg;
        int hw = q.Hw;
        int pixels = q.Pixels;
        int mPadded = q.MPadded;
        int m0 = Grid.IdxY * TileM;
        int p0 = Grid.IdxX * TileP;

        int sRow = tid >> 4;
        int sCol = (tid & 15) << 2;
        int sAt = sRow * RowStride + sCol;
        int aBase = (g * q.KPadded + sRow) * mPadded + m0 + sCol;
        int firstPixel = p0 + sCol;
        int o0 = PixelOffset(firstPixel, pixels, hw, p.InTotalChannels);
        int o1 = PixelOffset(firstPixel + 1, pixels, hw, p.InTotalChannels);
        int o2 = PixelOffset(firstPixel + 2, pixels, hw, p.InTotalChannels);
        int o3 = PixelOffset(firstPixel + 3, pixels, hw, p.InTotalChannels);
        int mapStride = p.InMap.Stride;
        int firstChannel = p.InMap.Offset + mapStride * (g * kg);

        int warp = tid >> 5;
        int lane = tid & 31;
        int gid = lane >> 2;
        int tig = lane & 3;
        int wm = (warp & 3) << 4;
        int wp = (warp >> 2) << 5;

        var acc0 = default(Tf32Accumulator);
        var acc1 = default(Tf32Accumulator);
        var acc2 = default(Tf32Accumulator);
        var acc3 = default(Tf32Accumulator);
        for (int k0 = 0; k0 < kg; k0 += TileK)
        {
            int a = aBase + k0 * mPadded;
            aTile[sAt] = Tf32.Round(weight[a]);
            aTile[sAt + 1] = Tf32.Round(weight[a + 1]);
            aTile[sAt + 2] = Tf32.Round(weight[a + 2]);
            aTile[sAt + 3] = Tf32.Round(weight[a + 3]);
            int gk = k0 + sRow;
            int plane = (firstChannel + mapStride * gk) * hw;
            bool row = gk < kg;
            bTile[sAt] = Tf32.Round(row && o0 >= 0 ? input[plane + o0] : 0f);
            bTile[sAt + 1] = Tf32.Round(row && o1 >= 0 ? input[plane + o1] : 0f);
            bTile[sAt + 2] = Tf32.Round(row && o2 >= 0 ? input[plane + o2] : 0f);
            bTile[sAt + 3] = Tf32.Round(row && o3 >= 0 ? input[plane + o3] : 0f);
            Group.Barrier();
            Step(aTile, bTile, 0, wm, wp, gid, tig, ref acc0, ref acc1, ref acc2, ref acc3);
            Step(aTile, bTile, 8, wm, wp, gid, tig, ref acc0, ref acc1, ref acc2, ref acc3);
            Group.Barrier();
        }

        int mLow = wm + gid;
        int pixel = p0 + wp + 2 * tig;
        Store<TAct>(output, bias, p, g, mg, m0 + mLow, pixel, pixels, hw, acc0);
        Store<TAct>(output, bias, p, g, mg, m0 + mLow, pixel + 8, pixels, hw, acc1);
        Store<TAct>(output, bias, p, g, mg, m0 + mLow, pixel + 16, pixels, hw, acc2);
        Store<TAct>(output, bias, p, g, mg, m0 + mLow, pixel + 24, pixels, hw, acc3);
    }

    /// <summary>One k8 step of the warp's four m16n8 tiles, from the staged rows ks .. ks + 7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(ArrayView<float> aTile, ArrayView<float> bTile, int ks, int wm, int wp, int gid, int tig,
        ref Tf32Accumulator acc0, ref Tf32Accumulator acc1, ref Tf32Accumulator acc2, ref Tf32Accumulator acc3)
    {
        int r0 = (ks + tig) * RowStride;
        int r1 = r0 + 4 * RowStride;
        if (CudaAsm.IsSupported)
        {
            // A fragment (row-major 16x8): rows g and g + 8, columns t and t + 4.
            uint a0 = Interop.FloatAsInt(aTile[r0 + wm + gid]);
            uint a1 = Interop.FloatAsInt(aTile[r0 + wm + gid + 8]);
            uint a2 = Interop.FloatAsInt(aTile[r1 + wm + gid]);
            uint a3 = Interop.FloatAsInt(aTile[r1 + wm + gid + 8]);
            Mma(ref acc0, a0, a1, a2, a3, bTile, r0, r1, wp + gid);
            Mma(ref acc1, a0, a1, a2, a3, bTile, r0, r1, wp + 8 + gid);
            Mma(ref acc2, a0, a1, a2, a3, bTile, r0, r1, wp + 16 + gid);
            Mma(ref acc3, a0, a1, a2, a3, bTile, r0, r1, wp + 24 + gid);
        }
        else
        {
            Emulate(ref acc0, aTile, bTile, ks, wm + gid, wp + 2 * tig);
            Emulate(ref acc1, aTile, bTile, ks, wm + gid, wp + 8 + 2 * tig);
            Emulate(ref acc2, aTile, bTile, ks, wm + gid, wp + 16 + 2 * tig);
            Emulate(ref acc3, aTile, bTile, ks, wm + gid, wp + 24 + 2 * tig);
        }
    }

    /// <summary>One m16n8k8 product on the tensor cores; the B fragment (column-major 8x8): rows t and t + 4, column g.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mma(ref Tf32Accumulator acc, uint a0, uint a1, uint a2, uint a3, ArrayView<float> bTile, int r0, int r1, int column)
    {
        Input<uint> ia0 = a0, ia1 = a1, ia2 = a2, ia3 = a3;
        Input<uint> ib0 = Interop.FloatAsInt(bTile[r0 + column]);
        Input<uint> ib1 = Interop.FloatAsInt(bTile[r1 + column]);
        Ref<float> c0 = acc.C0, c1 = acc.C1, c2 = acc.C2, c3 = acc.C3;
        CudaAsm.EmitRef(
            "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};",
            ref c0, ref c1, ref c2, ref c3, ref ia0, ref ia1, ref ia2, ref ia3, ref ib0, ref ib1);
        acc.C0 = c0.Value;
        acc.C1 = c1.Value;
        acc.C2 = c2.Value;
        acc.C3 = c3.Value;
    }

    /// <summary>The same product for this thread's four accumulators, read from the staged (already rounded) tiles:
    /// channels <paramref name="m"/> and m + 8, pixels <paramref name="n"/> and n + 1, k in order, float32 sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Emulate(ref Tf32Accumulator acc, ArrayView<float> aTile, ArrayView<float> bTile, int ks, int m, int n)
    {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        for (int k = 0; k < 8; k++)
        {
            int r = (ks + k) * RowStride;
            float low = aTile[r + m], high = aTile[r + m + 8];
            float b0 = bTile[r + n], b1 = bTile[r + n + 1];
            s0 += low * b0;
            s1 += low * b1;
            s2 += high * b0;
            s3 += high * b1;
        }
        acc.C0 += s0;
        acc.C1 += s1;
        acc.C2 += s2;
        acc.C3 += s3;
    }

    /// <summary>Bias, activation and store of one accumulator: channels m and m + 8, pixels and pixel + 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TAct>(ArrayView<float> output, ArrayView<float> bias, ConvParams p, int g, int mg, int m,
        int pixel, int pixels, int hw, Tf32Accumulator acc) where TAct : struct, IActivation
    {
        StoreOne<TAct>(output, bias, p, g, mg, m, pixel, pixels, hw, acc.C0);
        StoreOne<TAct>(output, bias, p, g, mg, m, pixel + 1, pixels, hw, acc.C1);
        StoreOne<TAct>(output, bias, p, g, mg, m + 8, pixel, pixels, hw, acc.C2);
        StoreOne<TAct>(output, bias, p, g, mg, m + 8, pixel + 1, pixels, hw, acc.C3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreOne<TAct>(ArrayView<float> output, ArrayView<float> bias, ConvParams p, int g, int mg, int m,
        int pixel, int pixels, int hw, float value) where TAct : struct, IActivation
    {
        if (m >= mg || pixel >= pixels)
            return;
        int co = g * mg + m;
        int n = pixel / hw;
        int s = pixel - n * hw;
        output[(n * p.OutTotalChannels + p.OutChannelOffset + co) * hw + s] = default(TAct).Apply(value + bias[co]);
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
