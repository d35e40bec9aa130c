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
    public void SynsetFoldersNeedAnImageNet1kModel()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "n01440764"));
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ShuffleNetCli.Run(["eval", "--model", Fixtures.Checkpoint("tiny-shufflenetv1-g3"), _dir, "--backend", "ilgpu-cpu"], output, error);
        Assert.Equal(1, code);
        Assert.Contains("--labels index", error.ToString());
    }

    /// <summary>A 2-class subset of ImageNet as synset folders (the shipped images): each folder gets its class from
    /// the WordNet id; the expected predictions come from upstream's network inputs through the reference executor.</summary>
    [Fact]
    public void ASynsetSubsetIsEvaluatedPerClassWithJson()
    {
        const string model = "shufflenetv2-0.5x"; // generated weights: any 1000-class network shows the mapping
        var layout = new (string Synset, int Class, string[] Images)[]
        {
            ("n02123045", 281, ["chelsea", "camera"]), // tabby
            ("n07920052", 967, ["coffee", "logo"]),    // espresso
        };
        var weights = ShuffleNetGpu.Cli.Commands.ModelSource.Weights(model);
        var expected = new Dictionary<string, (int Label, int Predicted, bool Top5)>();
        foreach (var (synset, label, images) in layout)
        {
            Directory.CreateDirectory(Path.Combine(_dir, synset));
            foreach (var image in images)
            {
                string file = Path.Combine(_dir, synset, image + ".png");
                File.Copy(Path.Combine(Fixtures.Root, "images", image + ".png"), file);
                var (_, input) = NpyFile.Read(Path.Combine(Fixtures.Root, "images", image + ".input.npy"));
                var logits = ReferenceExecutor.Run(weights, input, 1)[weights.Graph.OutputTensor];
                var order = logits.Select((v, i) => (v, i)).OrderByDescending(x => x.v).Select(x => x.i).ToArray();
                expected[file] = (label, order[0], order.Take(5).Contains(label));
            }
        }

        var (code, text, err) = CliRunner.Run("eval", "--model", model, _dir, "--labels", "synsets", "--backend", "cpu", "--json");
        Assert.True(code == 0, err);
        var json = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        Assert.Equal(4, (int)json["images"]!);
        Assert.Equal(expected.Values.Count(e => e.Predicted == e.Label), (int)json["top1_correct"]!);
        Assert.Equal(expected.Values.Count(e => e.Top5), (int)json["top5_correct"]!);
        Assert.True((double)json["images_per_s"]! > 0);
        var classes = json["classes"]!.AsArray();
        Assert.Equal([281, 967], classes.Select(c => (int)c!["class"]!));
        Assert.Equal(["n02123045", "n07920052"], classes.Select(c => (string)c!["synset"]!));
        Assert.Equal(["tabby", "espresso"], classes.Select(c => (string)c!["label"]!));
        Assert.All(classes, c => Assert.Equal(2, (int)c!["images"]!));
        var misclassified = json["misclassified"]!.AsArray().ToDictionary(m => (string)m!["file"]!, m => (int)m!["predicted"]!);
        Assert.Equal(expected.Where(e => e.Value.Predicted != e.Value.Label).ToDictionary(e => e.Key, e => e.Value.Predicted), misclassified);

        (code, text, err) = CliRunner.Run("eval", "--model", model, _dir, "--backend", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("images: 4 evaluated, 0 unreadable", text);
        var row = text.Split('\n').Single(l => l.Contains("n07920052"));
        Assert.Contains("espresso", row);
        Assert.Contains("967", row);
    }

    [Fact]
    public void AnUnknownSynsetFolderIsAnErrorNamingIt()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "n01440764"));
        Directory.CreateDirectory(Path.Combine(_dir, "n99999999"));
        var (code, _, err) = CliRunner.Run("eval", "--model", "shufflenetv2-0.5x", _dir, "--backend", "cpu");
        Assert.Equal(1, code);
        Assert.Contains(Path.Combine(_dir, "n99999999"), err);
        Assert.Contains("WordNet id", err);
    }
}
