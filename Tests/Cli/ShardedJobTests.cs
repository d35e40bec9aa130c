using System.Text.Json;
using System.Text.Json.Nodes;
using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary><c>--shard K/N</c> then <c>shufflenet merge</c>: three shards, merged, are byte for byte one unsharded run.</summary>
public sealed class ShardedJobTests : IDisposable
{
    const int Shards = 3;
    static readonly string[] Images = ["camera", "chelsea", "coffee", "logo"];
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-shard-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static string Model => Fixtures.Checkpoint("tiny-shufflenetv1-g3");

    /// <summary>7 images in a class-folder layout (eval reads it; embed and classify search it recursively) and one broken file.</summary>
    string ImageFolder()
    {
        string root = Path.Combine(_dir, "images");
        int n = 0;
        foreach (var (label, count) in new[] { ("0", 3), ("1", 2), ("2", 2) })
        {
            Directory.CreateDirectory(Path.Combine(root, label));
            for (int i = 0; i < count; i++, n++)
                File.Copy(Path.Combine(Fixtures.Root, "images", Images[n % Images.Length] + ".png"), Path.Combine(root, label, $"{n}.png"));
        }
        File.WriteAllText(Path.Combine(root, "1", "broken.png"), "not a png");
        return root;
    }

    static void AssertSameBytes(string expected, string actual) =>
        Assert.True(File.ReadAllBytes(expected).AsSpan().SequenceEqual(File.ReadAllBytes(actual)), $"{actual} differs from {expected}");

    [Fact]
    public void EmbedShardsRunAsSeparateProcessesMergeIntoTheUnshardedOutput()
    {
        string images = ImageFolder();
        string whole = Path.Combine(Directory.CreateDirectory(Path.Combine(_dir, "whole")).FullName, "emb.npy");
        string merged = Path.Combine(Directory.CreateDirectory(Path.Combine(_dir, "merged")).FullName, "emb.npy");
        var unsharded = CliRunner.Run("embed", "--model", Model, images, "-o", whole, "--batch", "2", "--backend", "cpu");
        Assert.True(unsharded.Code == 1, unsharded.Err); // the broken file

        for (int k = 0; k < Shards; k++)
        {
            var (code, _, err) = CliProcess.Run(CliProcess.BuiltDll, _dir, TimeSpan.FromMinutes(2),
                "embed", "--model", Model, images, "-o", merged, "--batch", "2", "--backend", "cpu", "--shard", $"{k}/{Shards}");
            Assert.True(code == (k == 2 ? 1 : 0), err); // shard 2 of 3 (files 5..7 of 8) holds 1/broken.png, the 6th
            Assert.True(File.Exists(Path.Combine(_dir, "merged", $"emb.shard-{k}-of-{Shards}.npy")), err);
        }
        Assert.False(File.Exists(merged));
        var merge = CliRunner.Run("merge", "embed", merged);
        Assert.True(merge.Code == 0, merge.Err);
        Assert.Contains("7 x 96 embeddings from 3 shards", merge.Out);
        AssertSameBytes(whole, merged);
        AssertSameBytes(Path.ChangeExtension(whole, ".txt"), Path.ChangeExtension(merged, ".txt"));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void ClassifyAndFeaturesShardsMergeIntoTheUnshardedOutput()
    {
        string images = ImageFolder();
        // classify: the saved standard output of each shard, joined.
        var all = CliRunner.Run("classify", "--model", Model, images, "--backend", "cpu", "--json");
        File.WriteAllText(Path.Combine(_dir, "classify.txt"), all.Out);
        for (int k = 0; k < Shards; k++)
            File.WriteAllText(Path.Combine(_dir, $"top.shard-{k}-of-{Shards}.txt"),
                CliRunner.Run("classify", "--model", Model, images, "--backend", "cpu", "--json", "--shard", $"{k}/{Shards}").Out);
        Assert.Equal(0, CliRunner.Run("merge", "classify", Path.Combine(_dir, "top.txt")).Code);
        AssertSameBytes(Path.Combine(_dir, "classify.txt"), Path.Combine(_dir, "top.txt"));

        // features: the rows of a .npy batch; each map joined along its batch axis.
        var inputs = Images.Select(i => NpyFile.Read(Path.Combine(Fixtures.Root, "images", i + ".input.npy")).Data).ToList();
        string batch = Path.Combine(_dir, "batch.npy");
        NpyFile.Write(batch, [inputs.Count, 3, 224, 224], inputs.SelectMany(d => d).ToArray());
        Assert.Equal(0, CliRunner.Run("features", "--model", Model, batch, "--stages", "3,5", "--embedding", "-o", Path.Combine(_dir, "maps"), "--backend", "cpu").Code);
        for (int k = 0; k < Shards; k++)
            Assert.Equal(0, CliRunner.Run("features", "--model", Model, batch, "--stages", "3,5", "--embedding", "-o", Path.Combine(_dir, "out"), "--backend", "cpu", "--shard", $"{k}/{Shards}").Code);
        Assert.Equal(0, CliRunner.Run("merge", "features", Path.Combine(_dir, "out")).Code);
        foreach (var map in new[] { "c3.npy", "c5.npy", "embedding.npy" })
            AssertSameBytes(Path.Combine(_dir, "maps", map), Path.Combine(_dir, "out", map));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(_dir, "out")).Length);
    }

    /// <summary>eval --json: counts summed overall and per class, lists joined in order; seconds and images/s cannot be
    /// merged and are null. A text result is refused with a message saying to use --json.</summary>
    [Fact]
    public void EvalJsonShardsMergeIntoTheUnshardedResultLessItsTimings()
    {
        string images = ImageFolder();
        var whole = CliRunner.Run("eval", "--model", Model, images, "--labels", "index", "--backend", "cpu", "--json");
        Assert.True(whole.Code == 1, whole.Err);   // one unreadable file
        var expected = JsonNode.Parse(whole.Out)!.AsObject();
        Assert.Equal(7, (int)expected["images"]!);
        expected["seconds"] = null;
        expected["images_per_s"] = null;
        for (int k = 0; k < Shards; k++)
            File.WriteAllText(Path.Combine(_dir, $"eval.shard-{k}-of-{Shards}.json"),
                CliRunner.Run("eval", "--model", Model, images, "--labels", "index", "--backend", "cpu", "--json", "--shard", $"{k}/{Shards}").Out);
        var merge = CliRunner.Run("merge", "eval", Path.Combine(_dir, "eval.json"));
        Assert.True(merge.Code == 0, merge.Err);
        Assert.Equal(expected.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine,
            File.ReadAllText(Path.Combine(_dir, "eval.json")));

        for (int k = 0; k < Shards; k++)
            File.WriteAllText(Path.Combine(_dir, $"text.shard-{k}-of-{Shards}.txt"),
                CliRunner.Run("eval", "--model", Model, images, "--labels", "index", "--backend", "cpu", "--shard", $"{k}/{Shards}").Out);
        var refused = CliRunner.Run("merge", "eval", Path.Combine(_dir, "text.txt"));
        Assert.Equal(1, refused.Code);
        Assert.Contains("run each shard with --json", refused.Err);
        Assert.False(File.Exists(Path.Combine(_dir, "text.txt")));
    }

    [Fact]
    public void AMissingDuplicateOrInconsistentShardIsAnErrorNamingItAndWritesNothing()
    {
        void Npy(string name, int rows, int width, int lines)
        {
            NpyFile.Write(Path.Combine(_dir, name + ".npy"), [rows, width], new float[rows * width]);
            if (lines >= 0) File.WriteAllLines(Path.Combine(_dir, name + ".txt"), Enumerable.Range(0, lines).Select(i => $"{i}.png"));
        }
        string target = Path.Combine(_dir, "e.npy");
        void Fails(string message)
        {
            var (code, _, err) = CliRunner.Run("merge", "embed", target);
            Assert.Equal(1, code);
            Assert.Single(err.TrimEnd().Split('\n'));
            Assert.Contains(message, err);
            Assert.False(File.Exists(target));
            Assert.False(File.Exists(Path.ChangeExtension(target, ".txt")));
        }

        Fails("e.shard-K-of-N.npy"); // none at all
        Npy("e.shard-0-of-3", 2, 4, 2);
        Npy("e.shard-2-of-3", 2, 4, 2);
        Fails("e.shard-1-of-3.npy: missing (shard 1 of 3)");
        Npy("e.shard-1-of-3", 2, 4, -1);
        Fails("e.shard-1-of-3.txt: missing (the file list of");
        Npy("e.shard-1-of-3", 2, 4, 3);
        Fails("e.shard-1-of-3.txt: 3 lines, but");
        Npy("e.shard-1-of-3", 2, 5, 2);
        Fails("e.shard-1-of-3.npy: rows of 5 values, but");
        Npy("e.shard-1-of-3", 2, 4, 2);
        Npy("e.shard-01-of-3", 2, 4, 2);
        Fails("shard 1 twice");
        File.Delete(Path.Combine(_dir, "e.shard-01-of-3.npy"));
        Npy("e.shard-3-of-4", 2, 4, 2);
        Fails("e.shard-3-of-4.npy: one of 4 shards, but");
        File.Delete(Path.Combine(_dir, "e.shard-3-of-4.npy"));
        Assert.Equal(0, CliRunner.Run("merge", "embed", target).Code);
        Assert.Equal([6, 4], NpyFile.Read(target).Shape);

        File.WriteAllText(Path.Combine(_dir, "r.shard-0-of-1.json"), "{\"model\": \"m\"");
        var eval = CliRunner.Run("merge", "eval", Path.Combine(_dir, "r.json"));
        Assert.Equal(1, eval.Code);
        Assert.Contains("r.shard-0-of-1.json: not valid JSON", eval.Err);
        File.WriteAllText(Path.Combine(_dir, "r.shard-0-of-1.json"), "{\"model\": \"m\", \"device\": \"d\", \"images\": \"two\"}");
        eval = CliRunner.Run("merge", "eval", Path.Combine(_dir, "r.json"));
        Assert.Equal(1, eval.Code);
        Assert.Contains("r.shard-0-of-1.json: 'images' is not a count", eval.Err);
    }
}
