namespace ShuffleNetGpu.Kernels.Common;

/// <summary>A thread-block shape a tiled launcher picks from per op (<see cref="BlockedTile"/>, <see cref="DepthwiseTile"/>).</summary>
public interface ITileShape
{
    /// <summary>The shape's name, as its compile-time struct is named.</summary>
    string Name { get; }

    /// <summary>Threads per group.</summary>
    int Threads { get; }
}
