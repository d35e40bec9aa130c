using ILGPU;
using ILGPU.Runtime;

namespace ShuffleNetGpu.Kernels.Common;

/// <summary>Argument validation shared by the launchers (host side only).</summary>
internal static class Checks
{
    public static void Positive(int value, string name, string op)
    {
        if (value < 1)
            throw new ArgumentOutOfRangeException(name, value, $"{op}: {name} must be at least 1.");
    }

    /// <summary>N, C, H and W of a [N, C, H, W] map, each at least 1.</summary>
    public static void Map(int n, int c, int h, int w, string op)
    {
        Positive(n, "N", op);
        Positive(c, "C", op);
        Positive(h, "H", op);
        Positive(w, "W", op);
    }

    public static void NonNegative(int value, string name, string op)
    {
        if (value < 0)
            throw new ArgumentOutOfRangeException(name, value, $"{op}: {name} must not be negative.");
    }

    /// <summary>Every index a kernel computes must fit in an int. The executor refuses such a batch when it plans
    /// (<c>BatchLimit</c> in the runtime, with the largest batch that works); this is the launchers' own guard.</summary>
    public static void FitsInt(long count, string what, string op)
    {
        if (count > int.MaxValue)
            throw new ArgumentException($"{op}: {what} has {count} elements; kernels index with int (max {int.MaxValue}).");
    }

    public static void Input(ChannelMap map, int channels, int totalChannels, string name, string op)
    {
        Positive(totalChannels, name + "TotalChannels", op);
        string? error = map.Validate(channels, totalChannels);
        if (error != null)
            throw new ArgumentException($"{op}: input '{name}': {error}.");
    }

    /// <summary><see cref="Input(ChannelMap, int, int, string, string)"/>, and the buffer's length within int indexing.</summary>
    public static void Input(ChannelMap map, int channels, int totalChannels, long bufferLength, string name, string op)
    {
        Input(map, channels, totalChannels, name, op);
        FitsInt(bufferLength, $"input '{name}'", op);
    }

    /// <summary><see cref="OutputSlice(int, int, int, string)"/>, and the buffer's length within int indexing.</summary>
    public static void OutputSlice(int channels, int totalChannels, int channelOffset, long bufferLength, string op)
    {
        OutputSlice(channels, totalChannels, channelOffset, op);
        FitsInt(bufferLength, "output", op);
    }

    public static void OutputSlice(int channels, int totalChannels, int channelOffset, string op)
    {
        Positive(totalChannels, "OutTotalChannels", op);
        NonNegative(channelOffset, "OutChannelOffset", op);
        if ((long)channelOffset + channels > totalChannels)
            throw new ArgumentException(
                $"{op}: output slice [{channelOffset}, {channelOffset + channels}) exceeds OutTotalChannels {totalChannels}.");
    }

    /// <summary>A launch grid within CUDA's 65535 groups along Y and Z.</summary>
    public static void Grid(Index3D grid, object shape, string op)
    {
        if (grid.Y > 65535 || grid.Z > 65535)
            throw new ArgumentException($"{op}: grid {grid} too large. {shape}");
    }

    public static void View(ArrayView<float> view, long required, string name, string op)
    {
        if (!view.IsValid)
            throw new ArgumentException($"{op}: view '{name}' is not valid.", name);
        if (view.Length < required)
            throw new ArgumentException($"{op}: view '{name}' has {view.Length} elements, needs {required}.", name);
        FitsInt(required, name, op);
    }

    public static void ExactView(ArrayView<float> view, long required, string name, string op)
    {
        if (!view.IsValid)
            throw new ArgumentException($"{op}: view '{name}' is not valid.", name);
        if (view.Length != required)
            throw new ArgumentException($"{op}: view '{name}' has {view.Length} elements, expected {required}.", name);
    }
}
