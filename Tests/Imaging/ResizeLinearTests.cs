using ShuffleNetGpu.Imaging;

namespace ShuffleNetGpu.Tests.Imaging;

/// <summary>ImagePreprocessor.ResizeLinear against an independent, pixel-by-pixel implementation of OpenCV's 8-bit
/// INTER_LINEAR fixed-point formulas (SPEC.md "Clarifications"), and against hand-computed values.</summary>
public class ResizeLinearTests
{
    /// <summary>Straightforward per-pixel reference: for every output pixel compute both coordinates, both
    /// weight pairs and the four taps directly (no tables, no row buffers).</summary>
    internal static byte[] Reference(byte[] src, int w, int h, int cn, int nw, int nh)
    {
        var dst = new byte[nw * nh * cn];
        double scaleX = 1.0 / ((double)nw / w), scaleY = 1.0 / ((double)nh / h);
        for (int dy = 0; dy < nh; dy++)
        for (int dx = 0; dx < nw; dx++)
        {
            float fx = (float)((dx + 0.5) * scaleX - 0.5);
            int sx = (int)Math.Floor(fx);
            fx -= sx;
            if (sx < 0) { sx = 0; fx = 0; }
            if (sx >= w - 1) { sx = w - 1; fx = 0; }
            int a0 = (int)Math.Round((double)((1f - fx) * 2048f), MidpointRounding.ToEven);
            int a1 = (int)Math.Round((double)(fx * 2048f), MidpointRounding.ToEven);

            // Vertically OpenCV keeps the weights and clamps the rows (they only differ from "f = 0" at the
            // top/bottom edge when upscaling).
            float fy = (float)((dy + 0.5) * scaleY - 0.5);
            int sy = (int)Math.Floor(fy);
            fy -= sy;
            int b0 = (int)Math.Round((double)((1f - fy) * 2048f), MidpointRounding.ToEven);
            int b1 = (int)Math.Round((double)(fy * 2048f), MidpointRounding.ToEven);
            int y0 = Math.Min(Math.Max(sy, 0), h - 1), y1 = Math.Min(Math.Max(sy + 1, 0), h - 1);
            int x1 = Math.Min(sx + 1, w - 1);

            for (int c = 0; c < cn; c++)
            {
                int H0 = src[(y0 * w + sx) * cn + c] * a0 + src[(y0 * w + x1) * cn + c] * a1;
                int H1 = src[(y1 * w + sx) * cn + c] * a0 + src[(y1 * w + x1) * cn + c] * a1;
                int v = ((((H0 >> 4) * b0) >> 16) + (((H1 >> 4) * b1) >> 16) + 2) >> 2;
                dst[(dy * nw + dx) * cn + c] = (byte)Math.Min(255, Math.Max(0, v));
            }
        }
        return dst;
    }

    /// <summary>Plain float bilinear resize (same sample positions, edge-clamped), rounded to nearest.</summary>
    static byte[] FloatBilinear(byte[] src, int w, int h, int cn, int nw, int nh)
    {
        var dst = new byte[nw * nh * cn];
        for (int dy = 0; dy < nh; dy++)
        for (int dx = 0; dx < nw; dx++)
        {
            double x = Math.Clamp((dx + 0.5) * w / nw - 0.5, 0, w - 1), y = Math.Clamp((dy + 0.5) * h / nh - 0.5, 0, h - 1);
            int x0 = (int)x, y0 = (int)y, x1 = Math.Min(x0 + 1, w - 1), y1 = Math.Min(y0 + 1, h - 1);
            double fx = x - x0, fy = y - y0;
            for (int c = 0; c < cn; c++)
            {
                double top = src[(y0 * w + x0) * cn + c] * (1 - fx) + src[(y0 * w + x1) * cn + c] * fx;
                double bottom = src[(y1 * w + x0) * cn + c] * (1 - fx) + src[(y1 * w + x1) * cn + c] * fx;
                dst[(dy * nw + dx) * cn + c] = (byte)Math.Round(top * (1 - fy) + bottom * fy);
            }
        }
        return dst;
    }

    static byte[] RandomImage(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(2, 3, 1, 5, 7)]
    [InlineData(5, 7, 1, 2, 3)]
    [InlineData(3, 3, 3, 2, 2)]
    [InlineData(2, 3, 3, 5, 7)]
    [InlineData(5, 7, 3, 2, 3)]
    [InlineData(17, 11, 3, 8, 23)]
    [InlineData(40, 30, 3, 29, 13)]
    public void MatchesIndependentFixedPointReference_AndDiffersFromFloat(int w, int h, int cn, int nw, int nh)
    {
        // 20 random images per size: every one must match the fixed-point reference exactly, and a float bilinear
        // resize must get at least one of them wrong somewhere.
        bool floatDiffers = false;
        for (int seed = 0; seed < 20; seed++)
        {
            byte[] src = RandomImage(seed * 7919 + w * 1000 + h * 10 + cn, w * h * cn);
            byte[] expected = Reference(src, w, h, cn, nw, nh);
            byte[] actual = ImagePreprocessor.ResizeLinear(src, w, h, cn, nw, nh);
            Assert.Equal(expected, actual);
            floatDiffers |= !FloatBilinear(src, w, h, cn, nw, nh).AsSpan().SequenceEqual(actual);
        }
        Assert.True(floatDiffers, "a float bilinear resize agreed with the fixed-point one on every test image");
    }

    [Fact]
    public void ThreeByThreeToTwoByTwo_HandComputed()
    {
        // scale 1.5 on both axes: position 0.25 (taps 0,1; weights 1536, 512) and 1.75 (taps 1,2; weights 512, 1536).
        // Output (x=1, y=0): H0 = 113*512 + 224*1536 = 401920, H1 = 119*512 + 176*1536 = 331264;
        //   (401920 >> 4) * 1536 >> 16 = 588, (331264 >> 4) * 512 >> 16 = 161, (588 + 161 + 2) >> 2 = 187,
        //   while float bilinear gives 0.75*196.25 + 0.25*161.75 = 187.625 -> 188.
        // Output (x=1, y=1): H0 = 331264, H1 = 112*512 + 235*1536 = 418304;
        //   (331264 >> 4) * 512 >> 16 = 161, (418304 >> 4) * 1536 >> 16 = 612, (161 + 612 + 2) >> 2 = 193,
        //   while float bilinear gives 0.25*161.75 + 0.75*204.25 = 193.625 -> 194.
        byte[] src = [14, 113, 224, 253, 119, 176, 118, 112, 235];
        byte[] actual = ImagePreprocessor.ResizeLinear(src, 3, 3, 1, 2, 2);
        Assert.Equal(new byte[] { 84, 187, 142, 193 }, actual);
        Assert.Equal(new byte[] { 84, 188, 142, 194 }, FloatBilinear(src, 3, 3, 1, 2, 2));
    }

    [Fact]
    public void SameSizeIsIdentity()
    {
        byte[] src = RandomImage(7, 9 * 4 * 3);
        Assert.Equal(src, ImagePreprocessor.ResizeLinear(src, 9, 4, 3, 9, 4));
    }

    [Fact]
    public void ExactHalvingAveragesFourPixels()
    {
        // OpenCV switches exact 2x reductions to INTER_AREA: (a + b + c + d + 2) >> 2; the fixed-point path agrees.
        byte[] src = [1, 2, 3, 4, 10, 20, 30, 41];
        Assert.Equal(new byte[] { (1 + 2 + 10 + 20 + 2) >> 2, (3 + 4 + 30 + 41 + 2) >> 2 }, ImagePreprocessor.ResizeLinear(src, 4, 2, 1, 2, 1));
    }
}
