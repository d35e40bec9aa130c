using System.Text.Json;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary>Search-space candidates on the command line: <c>init --family</c>, and candidate strings as MODEL.</summary>
public sealed class CandidateCliTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-candidate-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    const string Searched = "0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2";
    const string OneShotScales = "1.4,1.2,0.8,1.2,0.6,1.4,0.8,1.0,0.6,1.2,1.6,1.2,1.0,1.4,1.6,1.0,1.0,1.2,1.0,0.8";

    static JsonElement InfoJson(string model)
    {
        var (code, output, err) = CliRunner.Run("info", model, "--json");
        Assert.True(code == 0, err);
        return JsonDocument.Parse(output).RootElement;
    }

    [Fact]
    public void InfoOfACandidateStringGivesTheCountsWithoutAFile()
    {
        var counts = Fixtures.Counts().Single(c => c.Id == "detnas-voc-fpn-300m");
        var row = InfoJson("detnas:2,1,0,3,1,3,0,3,2,0,1,1,3,3,3,3,3,3,3,1");
        Assert.Equal("detnas:2,1,0,3,1,3,0,3,2,0,1,1,3,3,3,3,3,3,3,1:width=300m", row.GetProperty("id").GetString());
        Assert.Equal(counts.Params, row.GetProperty("params").GetInt64());
        Assert.Equal(counts.Macs, row.GetProperty("macs").GetInt64());
        // The feature maps a detector would tap: 300m's stage channels at strides 4..32.
        var stages = row.GetProperty("stages");
        Assert.Equal([64, 56, 56], stages.GetProperty("c2").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([640, 7, 7], stages.GetProperty("c5").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(1024, row.GetProperty("embedding").GetInt32());

        var text = CliRunner.Run("info", $"v2plus:{Searched}:width=large");
        Assert.Equal(0, text.Code);
        Assert.Contains("features: C2 68x56x56, C3 168x28x28, C4 336x14x14, C5 672x7x7; embedding 1280", text.Out);
    }

    [Fact]
    public void InitByPartsWritesTheCandidateAndItsCountsMatchTheString()
    {
        string file = Path.Combine(_dir, "oneshot.safetensors");
        var (code, output, err) = CliRunner.Run("init", "--family", "oneshot", "--arch", Searched, "--scales", OneShotScales, "--seed", "2", "-o", file);
        Assert.True(code == 0, err);
        Assert.Contains($"oneshot:{Searched}:scales={OneShotScales}", output);
        var weights = ModelWeights.Load(file);
        Assert.True(weights.Config.SameAs(ModelZoo.Get("oneshot"))); // the released architecture, written by parts
        Assert.Equal($"oneshot:{Searched}:scales={OneShotScales}", weights.Metadata["model_id"]);
        Assert.Equal(InfoJson($"oneshot:{Searched}:scales={OneShotScales}").GetProperty("params").GetInt64(),
            InfoJson(file).GetProperty("params").GetInt64());

        string detnas = Path.Combine(_dir, "detnas.safetensors");
        var d = CliRunner.Run("init", "--family", "detnas", "--arch", string.Join(",", Enumerable.Repeat("3", 40)), "--width", "1.3g", "--classes", "10", "-o", detnas);
        Assert.True(d.Code == 0, d.Err);
        var config = ModelWeights.Load(detnas).Config;
        Assert.Equal([8, 8, 16, 8], config.StageRepeats);
        Assert.Equal(10, config.NumClasses);

        string small = Path.Combine(_dir, "small.safetensors");
        var s = CliRunner.Run("init", $"v2plus:{Searched}:width=small", "--classes", "7", "-o", small);
        Assert.True(s.Code == 0, s.Err);
        Assert.Equal(7, ModelWeights.Load(small).Config.NumClasses);
    }

    [Theory]
    [InlineData(new[] { "init", "--family", "v2plus", "--arch", "3,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2", "--width", "small", "-o", "OUT" }, "entry 0 = 3 (Xception)", 1)]
    [InlineData(new[] { "init", "--family", "oneshot", "--arch", Searched, "--scales", "1.4,1.2", "-o", "OUT" }, "takes 20 channel scales", 1)]
    [InlineData(new[] { "init", "--family", "oneshot", "-o", "OUT" }, "--arch", 2)]
    [InlineData(new[] { "init", "shufflenetv2-0.5x", "--arch", "0,1", "-o", "OUT" }, "--family", 2)]
    [InlineData(new[] { "init", "-o", "OUT" }, "--family", 2)]
    [InlineData(new[] { "info", "detnas:0,1,9" }, "entry 2 = 9", 1)]
    [InlineData(new[] { "run", "--model", "oneshot:0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2:scales=1.0", "--input", "X", "--output", "OUT.npy" }, "takes 20 channel scales", 1)]
    [InlineData(new[] { "info", "oneshot:0,5" }, "entry 1 = 5", 1)]
    public void BadCandidatesAreOneLineErrorsAndWriteNothing(string[] args, string mentioned, int exitCode)
    {
        string output = Path.Combine(_dir, "out.safetensors");
        var resolved = args.Select(a => a switch { "OUT" => output, "OUT.npy" => Path.ChangeExtension(output, ".npy"), "X" => Path.Combine(Fixtures.TinyDir("tiny-oneshot"), "input.npy"), _ => a }).ToArray();
        var (code, _, err) = CliRunner.Run(resolved);
        Assert.Equal(exitCode, code);   // 2: a usage error (options that do not go together); 1: a bad candidate
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Contains(mentioned, err);
        Assert.False(File.Exists(output));
    }
}
