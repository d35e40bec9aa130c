using ShuffleNetGpu.Imaging;

namespace ShuffleNetGpu.Tests.Imaging;

/// <summary>The vectorised vertical pass gives the scalar pass's bits, at every length (so every remainder path runs).</summary>
public class BlendRowsSimdTests
{
    [Fact]
    public void VectorisedAndScalarPassesAgreeOnEveryLength()
    {
        var rng = new Random(11);
        for (int length = 0; length <= 200; length++)
            for (int trial = 0; trial < 5; trial++)
            {
                // Horizontal sums are byte x 11-bit weights: 0 .. 255 * 2048.
                var h0 = Enumerable.Range(0, length).Select(_ => rng.Next(0, 255 * 2048 + 1)).ToArray();
                var h1 = Enumerable.Range(0, length).Select(_ => rng.Next(0, 255 * 2048 + 1)).ToArray();
                int b0 = rng.Next(0, 2049), b1 = 2048 - b0;
                var simd = new byte[length];
                var scalar = new byte[length];
                ImagePreprocessor.BlendRows(h0, h1, b0, b1, simd, simd: true);
                ImagePreprocessor.BlendRows(h0, h1, b0, b1, scalar, simd: false);
                Assert.True(simd.AsSpan().SequenceEqual(scalar), $"length {length}, weights {b0}/{b1}");
                // And both equal the formula written out here.
                for (int i = 0; i < length; i++)
                    Assert.Equal(Math.Clamp(((((h0[i] >> 4) * b0) >> 16) + (((h1[i] >> 4) * b1) >> 16) + 2) >> 2, 0, 255), scalar[i]);
            }
    }
}
