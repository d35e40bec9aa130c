using ShuffleNetGpu.Kernels.Common;

namespace ShuffleNetGpu.Kernels;

/// <summary>
/// A thread-block shape of <see cref="TiledDepthwiseConv2d"/>: each thread computes 4 horizontally adjacent outputs of
/// one row, so a group covers (4 x ThreadsX) x ThreadsY outputs of each of <see cref="Channels"/> planes.
/// </summary>
/// <param name="Name">D{width}x{height}c{channels}.</param>
/// <param name="ThreadsX">Threads along a row (4 outputs each).</param>
/// <param name="ThreadsY">Threads along the column (one output row each).</param>
/// <param name="Channels">Planes per group (one per thread layer).</param>
public sealed record DepthwiseTile(string Name, int ThreadsX, int ThreadsY, int Channels) : ITileShape
{
    /// <summary>64 x 16 outputs, 256 threads: 56x56 and larger maps.</summary>
    public static DepthwiseTile D64x16 { get; } = new(nameof(D64x16), 16, 16, 1);

    /// <summary>32 x 16 outputs, 128 threads: 28x28 maps.</summary>
    public static DepthwiseTile D32x16 { get; } = new(nameof(D32x16), 8, 16, 1);

    /// <summary>16 x 16 outputs of 2 planes, 128 threads: 14x14 maps.</summary>
    public static DepthwiseTile D16x16c2 { get; } = new(nameof(D16x16c2), 4, 16, 2);

    /// <summary>8 x 8 outputs of 8 planes, 128 threads: 7x7 maps.</summary>
    public static DepthwiseTile D8x8c8 { get; } = new(nameof(D8x8c8), 2, 8, 8);

    /// <summary>16 x 4 outputs, 16 threads: ILGPU's CPU accelerator (16 threads per group).</summary>
    public static DepthwiseTile D16x4 { get; } = new(nameof(D16x4), 4, 4, 1);

    /// <summary>Every shape, GPU shapes first (largest first).</summary>
    public static IReadOnlyList<DepthwiseTile> All { get; } = [D64x16, D32x16, D16x16c2, D8x8c8, D16x4];

    /// <summary>Threads per group.</summary>
    public int Threads => ThreadsX * ThreadsY * Channels;

    /// <summary>Output columns per tile.</summary>
    public int Width => 4 * ThreadsX;

    /// <summary>Output rows per tile.</summary>
    public int Height => ThreadsY;
}

/// <summary>Compile-time shape of a <see cref="TiledDepthwiseConv2d"/> group (see <see cref="DepthwiseTile"/>).</summary>
public interface IDepthwiseTile
{
    /// <summary>Threads along a row; each computes 4 adjacent outputs.</summary>
    int ThreadsX { get; }
    /// <summary>Threads along the column; each computes one row.</summary>
    int ThreadsY { get; }
    /// <summary>Planes per group.</summary>
    int Channels { get; }
}

/// <summary>Compile-time kernel size (taps per row) of <see cref="TiledDepthwiseConv2d"/>: 3, 5 or 7.</summary>
public interface IDepthwiseTaps
{
    /// <summary>K.</summary>
    int K { get; }
}

/// <summary>Compile-time <see cref="DepthwiseTile.D64x16"/>.</summary>
public readonly struct DwTileD64x16 : IDepthwiseTile
{
    /// <inheritdoc/>
    public int ThreadsX => 16;
    /// <inheritdoc/>
    public int ThreadsY => 16;
    /// <inheritdoc/>
    public int Channels => 1;
}

/// <summary>Compile-time <see cref="DepthwiseTile.D32x16"/>.</summary>
public readonly struct DwTileD32x16 : IDepthwiseTile
{
    /// <inheritdoc/>
    public int ThreadsX => 8;
    /// <inheritdoc/>
    public int ThreadsY => 16;
    /// <inheritdoc/>
    public int Channels => 1;
}

/// <summary>Compile-time <see cref="DepthwiseTile.D16x16c2"/>.</summary>
public readonly struct DwTileD16x16c2 : IDepthwiseTile
{
    /// <inheritdoc/>
    public int ThreadsX => 4;
    /// <inheritdoc/>
    public int ThreadsY => 16;
    /// <inheritdoc/>
    public int Channels => 2;
}

/// <summary>Compile-time <see cref="DepthwiseTile.D8x8c8"/>.</summary>
public readonly struct DwTileD8x8c8 : IDepthwiseTile
{
    /// <inheritdoc/>
    public int ThreadsX => 2;
    /// <inheritdoc/>
    public int ThreadsY => 8;
    /// <inheritdoc/>
    public int Channels => 8;
}

/// <summary>Compile-time <see cref="DepthwiseTile.D16x4"/>.</summary>
public readonly struct DwTileD16x4 : IDepthwiseTile
{
    /// <inheritdoc/>
    public int ThreadsX => 4;
    /// <inheritdoc/>
    public int ThreadsY => 4;
    /// <inheritdoc/>
    public int Channels => 1;
}

/// <summary>3x3 taps.</summary>
public readonly struct Taps3 : IDepthwiseTaps
{
    /// <inheritdoc/>
    public int K => 3;
}

/// <summary>5x5 taps.</summary>
public readonly struct Taps5 : IDepthwiseTaps
{
    /// <inheritdoc/>
    public int K => 5;
}

/// <summary>7x7 taps.</summary>
public readonly struct Taps7 : IDepthwiseTaps
{
    /// <inheritdoc/>
    public int K => 7;
}
