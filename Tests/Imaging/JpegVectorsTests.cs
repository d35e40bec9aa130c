using System.Text.Json;
using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Imaging.Decoding;

namespace ShuffleNetGpu.Tests.Imaging;

/// <summary>
/// fixtures/jpeg/ and fixtures/webp/ (scripts/make-jpeg-vectors.py): every JPEG kind and lossy WebP decode to PIL's
/// pixels bit for bit, and preprocess to upstream's input bit for bit. PIL's decoders there are libjpeg-turbo 2.1.5
/// with its defaults and libwebp 1.2.4.
/// </summary>
public sealed class JpegVectorsTests
{
    static string Dir => Path.Combine(Fixtures.Root, "jpeg");

    public static IEnumerable<object[]> Vectors()
    {
        foreach (var folder in new[] { "jpeg", "webp" })
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Root, folder, "index.json")));
            foreach (var v in doc.RootElement.GetProperty("vectors").EnumerateArray())
                yield return [folder + "/" + v.GetProperty("image").GetString()!];
        }
    }

    static string Expected(string image, string kind) => Path.Combine(Fixtures.Root, Path.ChangeExtension(image, kind + ".npy"));

    [Theory]
    [MemberData(nameof(Vectors))]
    public void DecodedRgbIsPils(string name)
    {
        var (shape, expected) = NpyBytes.Read(Expected(name, "rgb"));
        var image = ImageDecoder.Decode(Path.Combine(Fixtures.Root, name), ImagePreprocessor.DefaultMaxPixels);
        Assert.Equal([shape[1], shape[0]], new[] { image.Width, image.Height });
        AssertSameBytes(name, expected, image.Rgb);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void PreprocessedInputIsUpstreams(string name)
    {
        var (shape, expected) = NpyBytes.Read(Expected(name, "input"));
        Assert.Equal([3, 224, 224], shape);
        float[] input = ImagePreprocessor.FromEncoded(File.ReadAllBytes(Path.Combine(Fixtures.Root, name)), name);
        AssertSameBytes(name, expected, input.Select(v => (byte)v).ToArray());
        Assert.All(input, v => Assert.Equal(Math.Round(v), v)); // whole grey levels, so the byte comparison is the float one
    }

    [Fact]
    public void ExifOrientationIsNotApplied()
    {
        // Orientation 6 would turn 97x65 into 65x97; PIL's Image.open + convert('RGB') keeps the stored layout.
        var image = ImageDecoder.Decode(Path.Combine(Dir, "exif-rotated.jpg"), ImagePreprocessor.DefaultMaxPixels);
        Assert.Equal((97, 65), (image.Width, image.Height));
    }

    [Theory]
    [InlineData("truncated", 2)]   // cut to half: no end-of-image marker after the scan
    [InlineData("no-scan", 0)]     // headers only
    [InlineData("bad-frame", -1)]  // the frame header's component count zeroed
    public void BrokenJpegIsATypedErrorNamingIt(string how, int keep)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Dir, "s420-q90.jpg"));
        byte[] broken = how switch
        {
            "truncated" => bytes[..(bytes.Length / keep)],
            "no-scan" => bytes[..bytes.AsSpan().IndexOf([(byte)0xFF, (byte)0xDA])],
            _ => Corrupt(bytes),
        };
        var e = Assert.Throws<ImageFormatException>(() => ImagePreprocessor.FromEncoded(broken, $"{how}.jpg"));
        Assert.StartsWith($"{how}.jpg: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    static byte[] Corrupt(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        int sof = copy.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        copy[sof + 9] = 0; // SOF0: FF C0, length (2), precision, height (2), width (2), component count
        return copy;
    }

    static void AssertSameBytes(string name, byte[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int differing = 0, maxDiff = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            int d = Math.Abs(expected[i] - actual[i]);
            if (d > 0) differing++;
            maxDiff = Math.Max(maxDiff, d);
        }
        Assert.True(differing == 0, $"{name}: {differing} of {expected.Length} values differ, max |diff| {maxDiff}");
    }
}
