using ShuffleNetGpu.Kernels.Common;
using System.Reflection;

namespace ShuffleNetGpu.Kernels;

/// <summary>One compiled kernel: the specialised C# method ILGPU compiles and how it is launched.</summary>
/// <param name="Name">Op and specialisation, e.g. "Conv2d&lt;Relu&gt;".</param>
/// <param name="Method">The (closed generic) kernel method.</param>
/// <param name="ExplicitlyGrouped">True for kernels loaded with <c>LoadKernel</c> (grid and group given at
/// launch, shared memory and barriers); false for auto-grouped kernels (first parameter the index).</param>
/// <param name="ThreadsPerGroup">The largest group it is launched with on a GPU (CUDA allows 1024 threads).</param>
public sealed record KernelEntryPoint(string Name, MethodInfo Method, bool ExplicitlyGrouped, int ThreadsPerGroup)
{
    /// <summary>Registers per thread that still let two groups share an SM (64K registers on sm_70 to sm_90),
    /// rounded down to the allocation unit of 8, at most 255: a kernel above it halves its occupancy.</summary>
    public int RegisterBudget => Math.Min(255, 65536 / (2 * ThreadsPerGroup) / 8 * 8);
}

/// <summary>
/// Every kernel method the launchers load, specialised the same way (one per activation, per pointwise tile; the tiled
/// depthwise kernel per tile and kernel size, its activations sampled: see <see cref="Build"/>).
/// For diagnostics and offline checks, e.g. compiling each to PTX or OpenCL C without a device.
/// </summary>
public static class KernelCatalog
{
    private static readonly Type[] Activations =
        [typeof(Identity), typeof(Relu), typeof(HardSwish), typeof(HardSigmoid), typeof(Sigmoid)];

    /// <summary>All entry points.</summary>
    public static IReadOnlyList<KernelEntryPoint> EntryPoints { get; } = Build();

    private static List<KernelEntryPoint> Build()
    {
        var list = new List<KernelEntryPoint>();
        foreach (var op in new[] { typeof(Conv2d), typeof(DepthwiseConv2d), typeof(Linear), typeof(ScaleChannels),
                     typeof(AddActivation), typeof(CopyChannels) })
        foreach (var act in Activations)
            list.Add(new($"{op.Name}<{act.Name}>", KernelMethod(op).MakeGenericMethod(act), false, ElementwiseThreads));

        foreach (var tile in new[] { typeof(PointwiseTileLarge), typeof(PointwiseTileSmall) })
        foreach (var act in Activations)
            list.Add(new($"{nameof(PointwiseConv2d)}<{act.Name}, {tile.Name}>",
                KernelMethod(typeof(PointwiseConv2d)).MakeGenericMethod(act, tile), true, PointwiseThreads(tile)));

        foreach (var tile in new[] { typeof(TileP64M64), typeof(TileP32M64), typeof(TileP64M32), typeof(TileP16M16) })
        foreach (var act in Activations)
            list.Add(new($"{nameof(BlockedPointwiseConv2d)}<{act.Name}, {tile.Name}>",
                KernelMethod(typeof(BlockedPointwiseConv2d)).MakeGenericMethod(act, tile, typeof(StoredOutput)), true, PointwiseThreads(tile)));
        // The pooled epilogue (a fused global average pool): the tiles a GPU runs it on, with the activations the
        // released models' last convolutions use (ReLU; V2+ hard-swish).
        foreach (var tile in new[] { typeof(TileP64M64), typeof(TileP64M32) })
        foreach (var act in new[] { typeof(Relu), typeof(HardSwish) })
            list.Add(new($"{nameof(BlockedPointwiseConv2d)}<{act.Name}, {tile.Name}, {nameof(PooledOutput)}>",
                KernelMethod(typeof(BlockedPointwiseConv2d)).MakeGenericMethod(act, tile, typeof(PooledOutput)), true, PointwiseThreads(tile)));

        // The tiled depthwise kernel: every tile and kernel size without an activation (what every released model's
        // depthwise layers use), and the other activations once (they change only the store of the epilogue, the
        // same in every tile). All 75 specialisations would add 56 kernels to every offline compile in CI.
        foreach (var tile in new[] { typeof(DwTileD64x16), typeof(DwTileD32x16), typeof(DwTileD16x16c2), typeof(DwTileD8x8c8), typeof(DwTileD16x4) })
        foreach (var taps in new[] { typeof(Taps3), typeof(Taps5), typeof(Taps7) })
            list.Add(TiledDepthwise(typeof(Identity), tile, taps));
        foreach (var act in Activations.Skip(1))
            list.Add(TiledDepthwise(act, typeof(DwTileD64x16), typeof(Taps3)));

        // The poolings share their kernel (Pool3x3s2<TReduction>), which their launchers derive from.
        list.Add(new(nameof(MaxPool3x3s2), KernelMethod(typeof(MaxPool3x3s2).BaseType!), false, ElementwiseThreads));
        list.Add(new(nameof(AvgPool3x3s2), KernelMethod(typeof(AvgPool3x3s2).BaseType!), false, ElementwiseThreads));
        list.Add(new(nameof(GlobalAvgPool), KernelMethod(typeof(GlobalAvgPool)), true, GlobalAvgPool.MaxThreads));
        return list;
    }

    // KernelGeometry.ElementwiseGroupSize on a GPU.
    private const int ElementwiseThreads = 256;

    private static int PointwiseThreads(Type tile)
    {
        var t = (IPointwiseTile)Activator.CreateInstance(tile)!;
        return t.ThreadsX * t.ThreadsY;
    }

    private static KernelEntryPoint TiledDepthwise(Type act, Type tile, Type taps)
    {
        var t = (IDepthwiseTile)Activator.CreateInstance(tile)!;
        return new($"{nameof(TiledDepthwiseConv2d)}<{act.Name}, {tile.Name}, {taps.Name}>",
            KernelMethod(typeof(TiledDepthwiseConv2d)).MakeGenericMethod(act, tile, taps), true,
            t.ThreadsX * t.ThreadsY * t.Channels);
    }

    private static MethodInfo KernelMethod(Type op) =>
        op.GetMethod("Kernel", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
        ?? throw new InvalidOperationException($"{op.Name} has no Kernel method.");
}
