using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary>Issue 19 item 11: no command overwrites one of its inputs, and outputs carry the extension of the format written.</summary>
public sealed class OutputPathTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-outpath-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static void AssertUsageError((int Code, string Out, string Err) result, string mentioned)
    {
        Assert.True(result.Code == 2, $"exit {result.Code}: {result.Out}{result.Err}");
        Assert.Single(result.Err.TrimEnd().Split('\n'));
        Assert.StartsWith("error: --output", result.Err);
        Assert.Contains(mentioned, result.Err);
    }

    [Fact]
    public void PreprocessRefusesToOverwriteTheImageItReads()
    {
        string victim = Path.Combine(_dir, "victim.png");
        File.Copy(Path.Combine(Fixtures.Root, "images", "logo.png"), victim);
        byte[] before = File.ReadAllBytes(victim);
        AssertUsageError(CliRunner.Run("preprocess", victim, "-o", victim), ".npy");
        Assert.Equal(before, File.ReadAllBytes(victim));
    }

    [Fact]
    public void RunRefusesAnOutputThatIsItsInputAlsoThroughASymlinkedFolder()
    {
        string data = Directory.CreateDirectory(Path.Combine(_dir, "data")).FullName;
        string input = Path.Combine(data, "in.npy");
        File.Copy(Path.Combine(Fixtures.TinyDir("tiny-shufflenetv1-g3"), "input.npy"), input);
        string alias = Path.Combine(_dir, "alias");
        Directory.CreateSymbolicLink(alias, data);
        byte[] before = File.ReadAllBytes(input);
        foreach (var output in new[] { input, Path.Combine(alias, "in.npy"), Path.Combine(data, ".", "in.npy") })
        {
            AssertUsageError(CliRunner.Run("run", "--model", Fixtures.Checkpoint("tiny-shufflenetv1-g3"), "--input", input, "--output", output, "--backend", "cpu"), "is also an input");
            Assert.Equal(before, File.ReadAllBytes(input));
        }
    }

    [Fact]
    public void FeaturesRefusesToWriteAMapOverItsInput()
    {
        string input = Path.Combine(_dir, "c3.npy");
        File.Copy(Path.Combine(Fixtures.TinyDir("tiny-shufflenetv2"), "input.npy"), input);
        byte[] before = File.ReadAllBytes(input);
        AssertUsageError(CliRunner.Run("features", "--model", Fixtures.Checkpoint("tiny-shufflenetv2"), input, "-o", _dir, "--backend", "cpu"), "is also an input");
        Assert.Equal(before, File.ReadAllBytes(input));
    }

    public static IEnumerable<object[]> WrongExtensions =>
    [
        [new[] { "preprocess", "IMAGE", "-o", "OUT.png" }, ".npy"],
        [new[] { "run", "--model", "CKPT", "--input", "INPUT", "--output", "OUT.txt", "--backend", "cpu" }, ".npy"],
        [new[] { "convert", "CKPT", "-o", "OUT.npy" }, ".safetensors"],
        [new[] { "init", "shufflenetv2-0.5x", "-o", "OUT.bin" }, ".safetensors"],
        [new[] { "export-onnx", "CKPT", "-o", "OUT.npy" }, ".onnx"],
        [new[] { "embed", "--model", "CKPT", "IMAGES", "-o", "OUT.bin", "--backend", "cpu" }, ".npy"],
    ];

    [Theory]
    [MemberData(nameof(WrongExtensions))]
    public void AnOutputWhoseExtensionIsNotTheFormatWrittenIsAUsageError(string[] args, string extension)
    {
        string images = Directory.CreateDirectory(Path.Combine(_dir, "images")).FullName;
        File.Copy(Path.Combine(Fixtures.Root, "images", "logo.png"), Path.Combine(images, "logo.png"));
        var resolved = args.Select(a => a switch
        {
            "IMAGE" => Path.Combine(images, "logo.png"),
            "CKPT" => Fixtures.Checkpoint("tiny-shufflenetv1-g3"),
            "INPUT" => Path.Combine(Fixtures.TinyDir("tiny-shufflenetv1-g3"), "input.npy"),
            "IMAGES" => images,
            _ when a.StartsWith("OUT") => Path.Combine(_dir, a),
            _ => a,
        }).ToArray();
        AssertUsageError(CliRunner.Run(resolved), $"must end in {extension}");
        Assert.Equal(["images"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void AFreshOutputIsStillWritten()
    {
        string output = Path.Combine(_dir, "logo.NPY");
        var (code, _, err) = CliRunner.Run("preprocess", Path.Combine(Fixtures.Root, "images", "logo.png"), "-o", output);
        Assert.True(code == 0, err);
        Assert.Equal([1, 3, 224, 224], NpyFile.Read(output).Shape);
    }
}
