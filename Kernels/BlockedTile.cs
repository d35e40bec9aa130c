using ShuffleNetGpu.Kernels.Common;

namespace ShuffleNetGpu.Kernels;

/// <summary>A thread-block shape of <see cref="BlockedPointwiseConv2d"/>: every thread computes 4 channels x 4 pixels.</summary>
/// <param name="Name">P{pixels}M{channels}.</param>
/// <param name="ThreadsX">Threads along the pixel axis.</param>
/// <param name="ThreadsY">Threads along the channel axis.</param>
public sealed record BlockedTile(string Name, int ThreadsX, int ThreadsY) : ITileShape
{
    /// <summary>64 pixels x 64 channels, 256 threads: the shape the anchors measured fastest at most sizes.</summary>
    public static BlockedTile P64M64 { get; } = new(nameof(P64M64), 16, 16);

    /// <summary>32 pixels x 64 channels, 128 threads: small maps (7x7 at batch 1).</summary>
    public static BlockedTile P32M64 { get; } = new(nameof(P32M64), 8, 16);

    /// <summary>64 pixels x 32 channels, 128 threads: few channels per group.</summary>
    public static BlockedTile P64M32 { get; } = new(nameof(P64M32), 16, 8);

    /// <summary>16 pixels x 16 channels, 16 threads: ILGPU's CPU accelerator (16 threads per group).</summary>
    public static BlockedTile P16M16 { get; } = new(nameof(P16M16), 4, 4);

    /// <summary>Threads per group.</summary>
    public int Threads => ThreadsX * ThreadsY;

    /// <summary>Pixels per tile.</summary>
    public int Pixels => 4 * ThreadsX;

    /// <summary>Output channels per tile.</summary>
    public int Channels => 4 * ThreadsY;
}

/// <summary>Compile-time <see cref="BlockedTile.P64M64"/>.</summary>
public readonly struct TileP64M64 : IPointwiseTile
{
    /// <inheritdoc/>
    public int ThreadsX => 16;
    /// <inheritdoc/>
    public int ThreadsY => 16;
}

/// <summary>Compile-time <see cref="BlockedTile.P32M64"/>.</summary>
public readonly struct TileP32M64 : IPointwiseTile
{
    /// <inheritdoc/>
    public int ThreadsX => 8;
    /// <inheritdoc/>
    public int ThreadsY => 16;
}

/// <summary>Compile-time <see cref="BlockedTile.P64M32"/>.</summary>
public readonly struct TileP64M32 : IPointwiseTile
{
    /// <inheritdoc/>
    public int ThreadsX => 16;
    /// <inheritdoc/>
    public int ThreadsY => 8;
}

/// <summary>Compile-time <see cref="BlockedTile.P16M16"/>.</summary>
public readonly struct TileP16M16 : IPointwiseTile
{
    /// <inheritdoc/>
    public int ThreadsX => 4;
    /// <inheritdoc/>
    public int ThreadsY => 4;
}

/// <summary>Compile-time epilogue of <see cref="BlockedPointwiseConv2d"/>: store every output, or pool them per image.</summary>
public interface IPointwiseOutput
{
    /// <summary>True: sum each channel over the group's image and write the mean (a fused global average pool).</summary>
    bool Pooled { get; }
}

/// <summary>Every output stored (<see cref="BlockedPointwiseConv2d.Launch"/>).</summary>
public readonly struct StoredOutput : IPointwiseOutput
{
    /// <inheritdoc/>
    public bool Pooled => false;
}

/// <summary>Outputs averaged per image and channel (<see cref="BlockedPointwiseConv2d.LaunchPooled"/>).</summary>
public readonly struct PooledOutput : IPointwiseOutput
{
    /// <inheritdoc/>
    public bool Pooled => true;
}
