using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Features;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Tests.Cli;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>
/// ShuffleNetV2.Large at other input sizes (issue 13): its input is the image minus a 224 x 224 mean image made for
/// upstream's evaluation crop, so an image at its own size needs an explicit mean (<see cref="MeanImageException"/>
/// otherwise); with one, the input is the plain image minus that mean per channel; the 224 evaluation path keeps the
/// mean image.
/// </summary>
public sealed class LargeMeanAtOtherSizesTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-large-mean-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static string Chelsea => Path.Combine(Fixtures.Root, "images", "chelsea.png");
    static readonly DetectionPreprocessing Resize = new(120, 0, 32, null, [1, 1, 1]);

    [Fact]
    public void AnImageAtItsOwnSizeWithNoMeanIsRefusedNamingTheFileAndTheChoices()
    {
        var e = Assert.Throws<MeanImageException>(() => NetworkInput.LoadAnySize(Chelsea, ModelFamily.Large, Resize));
        Assert.Contains("chelsea.png", e.Message);
        Assert.Contains("--mean 103.06,115.90,123.15", e.Message);   // the mean image's channel averages
        Assert.Contains("--mean 0,0,0", e.Message);
        Assert.Throws<MeanImageException>(() => NetworkInput.LoadAnySize(Chelsea, ModelFamily.Large, DetectionPreprocessing.OwnSize));
        // Other families take the image as upstream does (no mean).
        Assert.Equal(3 * 128 * 192, NetworkInput.LoadAnySize(Chelsea, ModelFamily.V2, Resize).Data.Length);
    }

    [Fact]
    public void WithAMeanTheInputIsThePlainImageMinusItPerChannel()
    {
        float[] mean = [103.06f, 115.9f, 123.15f];
        var (_, h, w, plain) = NetworkInput.LoadAnySize(Chelsea, ModelFamily.V2, Resize);
        var (_, lh, lw, large) = NetworkInput.LoadAnySize(Chelsea, ModelFamily.Large, Resize with { Mean = mean });
        Assert.Equal((h, w), (lh, lw));
        int plane = h * w;
        // The padding (zeros after normalising) stays zero; every pixel of the image is shifted by its channel's mean.
        var (rw, rh) = Resize.ResizedSize(451, 300);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int i = c * plane + y * w + x;
                    float expected = y < rh && x < rw ? plain[i] - mean[c] : 0;
                    Assert.Equal(expected, large[i]);
                }
    }

    [Fact]
    public void TheEvaluationCropStillSubtractsTheMeanImage()
    {
        var (_, h, w, data) = NetworkInput.LoadAnySize(Chelsea, ModelFamily.Large, null);
        Assert.Equal((224, 224), (h, w));
        Assert.Equal(ImagePreprocessor.Load(Chelsea, subtractLargeMean: true), data);
    }

    [Fact]
    public void TheCommandsRefuseBeforeWritingAndTakeAnExplicitMean()
    {
        string model = Fixtures.Checkpoint("tiny-shufflenetv2-large");
        string maps = Path.Combine(_dir, "maps");
        var (code, _, err) = CliRunner.Run("features", "--model", model, Chelsea, "--resize-short", "64", "-o", maps, "--backend", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("--mean", err);
        Assert.False(Directory.Exists(maps) && Directory.EnumerateFiles(maps).Any());
        var ok = CliRunner.Run("features", "--model", model, Chelsea, "--resize-short", "64", "--mean", "0,0,0", "-o", maps, "--backend", "cpu", "--stages", "2");
        Assert.True(ok.Code == 0, ok.Err);

        string images = Path.Combine(_dir, "images");
        Directory.CreateDirectory(images);
        File.Copy(Chelsea, Path.Combine(images, "a.png"));
        string npy = Path.Combine(_dir, "emb.npy");
        var embed = CliRunner.Run("embed", "--model", model, images, "--own-size", "-o", npy, "--backend", "cpu");
        Assert.Equal(1, embed.Code);
        Assert.Contains("--mean", embed.Err);
        Assert.False(File.Exists(npy));
    }
}
