namespace ShuffleNetGpu.Imaging;

/// <summary>
/// OpenCV's 8-bit INTER_LINEAR taps (cv::resize, the reference's OpencvResize): for a destination column or row, the two
/// source indices and their 11-bit weights. One place for the rules, shared by the whole-image resize
/// (<see cref="ImagePreprocessor.ResizeLinear"/>) and the window-only one (<see cref="ResizeCrop"/>), whose bits must agree.
/// </summary>
static class LinearTaps
{
    /// <summary>INTER_RESIZE_COEF_SCALE: the two weights of a tap sum to it.</summary>
    public const int CoefScale = 1 << 11;

    /// <summary>Source pixels per destination pixel, as OpenCV computes it (the inverse of the size ratio).</summary>
    public static double Scale(int sourceSize, int destinationSize) => 1.0 / ((double)destinationSize / sourceSize);

    /// <summary>Destination column <paramref name="dx"/>: past either edge the first index is clamped and its weight is
    /// all of it (the second index, clamped too, then has weight 0).</summary>
    public static (int S0, int S1, int A0, int A1) Column(int dx, double scale, int width)
    {
        float fx = (float)((dx + 0.5) * scale - 0.5);
        int sx = (int)MathF.Floor(fx);
        fx -= sx;
        if (sx < 0) { sx = 0; fx = 0; }
        if (sx >= width - 1) { sx = width - 1; fx = 0; }
        // saturate_cast<short>: round half to even
        return (sx, Math.Min(sx + 1, width - 1), (int)MathF.Round((1f - fx) * CoefScale), (int)MathF.Round(fx * CoefScale));
    }

    /// <summary>Destination row <paramref name="dy"/>: the weights keep their fraction and only the rows are clamped.</summary>
    public static (int R0, int R1, int B0, int B1) Row(int dy, double scale, int height)
    {
        float fy = (float)((dy + 0.5) * scale - 0.5);
        int sy = (int)MathF.Floor(fy);
        fy -= sy;
        return (Math.Clamp(sy, 0, height - 1), Math.Clamp(sy + 1, 0, height - 1),
            (int)MathF.Round((1f - fy) * CoefScale), (int)MathF.Round(fy * CoefScale));
    }
}
