using ShuffleNetGpu.Cli;
using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Tests.Reference;

namespace ShuffleNetGpu.Tests.Cli;

public sealed class EvalCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-eval-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AccuracyCountsMatchTheReferenceAndUnreadableFilesAreListed()
    {
        const string id = "tiny-shufflenetv2";
        var layout = new (string Image, int Label)[] { ("chelsea", 1), ("logo", 1), ("coffee", 6), ("camera", 3) };
        var weights = CheckpointConverter.Convert(Fixtures.Checkpoint(id));
        int top1 = 0, top5 = 0;
        foreach (var (image, label) in layout)
        {
            Directory.CreateDirectory(Path.Combine(_dir, label.ToString()));
            File.Copy(Path.Combine(Fixtures.Root, "images", image + ".png"), Path.Combine(_dir, label.ToString(), image + ".png"));
            // Expected from upstream's own network input through the independent reference executor.
            var (_, input) = NpyFile.Read(Path.Combine(Fixtures.Root, "images", image + ".input.npy"));
            var logits = ReferenceExecutor.Run(weights, input, 1)[weights.Graph.OutputTensor];
            var order = logits.Select((v, i) => (v, i)).OrderByDescending(x => x.v).Select(x => x.i).ToArray();
            if (order[0] == label) top1++;
            if (order.Take(5).Contains(label)) top5++;
        }
        File.WriteAllBytes(Path.Combine(_dir, "6", "broken.png"), []);

        var output = new StringWriter();
        var error = new StringWriter();
        int code = ShuffleNetCli.Run(["eval", "--model", Fixtures.Checkpoint(id), _dir, "--labels", "index", "--backend", "ilgpu-cpu"], output, error);
        string text = output.ToString();
        Assert.Equal(1, code); // one unreadable file
        Assert.Contains("images: 4 evaluated, 1 unreadable", text);
        Assert.Contains($"({top1}/4)", text.Split('\n').Single(l => l.StartsWith("top-1:")));
        Assert.Contains($"({top5}/4)", text.Split('\n').Single(l => l.StartsWith("top-5:")));
        Assert.Contains("broken.png", text.Split('\n').Single(l => l.StartsWith("unreadable:")));
    }

    [Fact]
    public void SynsetFoldersMustCoverEveryClass()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "n01440764"));
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ShuffleNetCli.Run(["eval", "--model", Fixtures.Checkpoint("tiny-shufflenetv1-g3"), _dir, "--backend", "ilgpu-cpu"], output, error);
        Assert.Equal(1, code);
        Assert.Contains("--labels index", error.ToString());
    }
}
