using ShuffleNetGpu.Imaging;

namespace ShuffleNetGpu.Tests.Imaging;

/// <summary>ResizeCrop (the preprocessing's one-pass resize + crop, from RGB or RGBA) against
/// <see cref="ResizeLinearTests"/>' independent per-pixel reference of OpenCV's fixed-point INTER_LINEAR, resized in
/// whole and then cropped: every window, both pixel layouts, the SIMD and the scalar horizontal pass.</summary>
public class ResizeCropTests
{
    [Theory]
    [InlineData(500, 375, 341, 256, 58, 16, 224, 224)]   // upstream's 256-then-224 on a 4:3 photograph
    [InlineData(375, 500, 256, 341, 16, 58, 224, 224)]
    [InlineData(7, 5, 40, 29, 0, 0, 40, 29)]             // upscaling, whole image: the clamped edge rows and columns
    [InlineData(7, 5, 40, 29, 33, 21, 7, 8)]             // a window on the right and bottom edges
    [InlineData(1, 1, 9, 9, 2, 3, 5, 4)]                 // one source pixel
    [InlineData(63, 17, 10, 5, 3, 1, 6, 3)]              // strong downscaling
    public void EqualsReferenceResizeThenCrop(int w, int h, int nw, int nh, int left, int top, int cw, int ch)
    {
        for (int seed = 0; seed < 3; seed++)
        {
            var rgb = new byte[w * h * 3];
            new Random(seed * 31 + w + h).NextBytes(rgb);
            byte[] whole = ResizeLinearTests.Reference(rgb, w, h, 3, nw, nh);
            var expected = new float[3 * cw * ch];
            for (int y = 0; y < ch; y++)
            for (int x = 0; x < cw; x++)
            for (int c = 0; c < 3; c++) // planes B, G, R from bytes R, G, B
                expected[c * cw * ch + y * cw + x] = whole[((top + y) * nw + left + x) * 3 + 2 - c];

            // The same pixels as RGBA, the alpha bytes random (they must not matter).
            var rgba = new byte[w * h * 4];
            new Random(seed).NextBytes(rgba);
            for (int i = 0; i < w * h; i++) rgb.AsSpan(3 * i, 3).CopyTo(rgba.AsSpan(4 * i));

            foreach (var (pixels, bpp) in new[] { (rgb, 3), (rgba, 4) })
            foreach (bool simd in new[] { true, false })
            {
                var actual = new float[3 * cw * ch];
                ResizeCrop.ToPlanes(pixels, w, h, bpp, nw, nh, left, top, cw, ch, actual, simd);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"{w}x{h} -> {nw}x{nh} window {cw}x{ch} at ({left}, {top}), {bpp} bytes per pixel, simd {simd}, seed {seed}");
            }
        }
    }
}
