using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;
using ShuffleNetGpu.Imaging;

namespace ShuffleNetGpu.Tests.Imaging;

/// <summary>Every supported container decodes to the same pixels: a fixture PNG re-encoded losslessly must preprocess identically.</summary>
public sealed class ImageFormatsTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-formats-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static string Png => Path.Combine(Fixtures.Root, "images", "chelsea.png");

    public static IEnumerable<object[]> LosslessEncoders =>
    [
        ["bmp", new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 }],
        ["tga", new TgaEncoder { BitsPerPixel = TgaBitsPerPixel.Pixel24, Compression = TgaCompression.None }],
        ["tiff", new TiffEncoder()],
        ["webp", new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }],
    ];

    [Theory]
    [MemberData(nameof(LosslessEncoders))]
    public void LosslessFormatsGiveThePngsInput(string extension, IImageEncoder encoder)
    {
        string path = Path.Combine(_dir, "chelsea." + extension);
        using (var image = Image.Load<Rgb24>(Png)) image.Save(path, encoder);
        Assert.Equal(ImagePreprocessor.Load(Png), ImagePreprocessor.Load(path));
    }

    [Fact]
    public void GifUsesTheFirstFrameOnly()
    {
        string path = Path.Combine(_dir, "two.gif");
        using (var image = new Image<Rgba32>(300, 260, new Rgba32(200, 10, 10)))
        {
            using var second = new Image<Rgba32>(300, 260, new Rgba32(10, 200, 10));
            image.Frames.AddFrame(second.Frames.RootFrame);
            image.Save(path, new GifEncoder());
        }
        var input = ImagePreprocessor.Load(path);
        // BGR planes: the first frame is red.
        Assert.All(input.AsSpan(2 * 224 * 224, 224 * 224).ToArray(), v => Assert.True(v > 150, $"R = {v}"));
        Assert.All(input.AsSpan(224 * 224, 224 * 224).ToArray(), v => Assert.True(v < 60, $"G = {v}"));
    }

    [Fact]
    public void TruncatedJpegIsATypedErrorNamingTheFile()
    {
        string jpeg = Path.Combine(Fixtures.Root, "images", "hubble_deep_field.jpg");
        Assert.Equal(3 * 224 * 224, ImagePreprocessor.Load(jpeg).Length);
        var bytes = File.ReadAllBytes(jpeg);
        string cut = Path.Combine(_dir, "cut.jpg");
        File.WriteAllBytes(cut, bytes[..(bytes.Length * 2 / 3)]);
        var e = Assert.Throws<ShuffleNetGpu.Imaging.ImageFormatException>(() => ImagePreprocessor.Load(cut));
        Assert.Contains("cut.jpg", e.Message);
    }
}
