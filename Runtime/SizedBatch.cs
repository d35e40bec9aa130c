namespace ShuffleNetGpu.Runtime;

/// <summary>A batch of N x 3 x <paramref name="Height"/> x <paramref name="Width"/> floats (NCHW, BGR 0..255) for the
/// streams that take any input size (<see cref="ShuffleNet.EmbedStreamAsync"/>).</summary>
/// <param name="Images">The batch's floats.</param>
/// <param name="Height">Each image's height in pixels.</param>
/// <param name="Width">Each image's width in pixels.</param>
public readonly record struct SizedBatch(float[] Images, int Height, int Width);
