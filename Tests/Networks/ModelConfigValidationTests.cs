using System.Text.Json.Nodes;
using ShuffleNetGpu.Converter.Inference;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Tests.Networks;

/// <summary>A configuration from a weights file, a checkpoint or a caller is checked field by field, with upper bounds,
/// before any graph is built: each bad field is a typed error naming it.</summary>
public sealed class ModelConfigValidationTests : IDisposable
{
    readonly TempDirectory _dir = new("shufflenet-config-");
    public void Dispose() => _dir.Dispose();

    /// <summary>Zoo id, JSON field, the value it is set to, and what the message must name.</summary>
    public static TheoryData<string, string, string, string> BadFields => new()
    {
        { "shufflenetv2-0.5x", "family", "99", "family" },
        { "shufflenetv2-0.5x", "family", "\"99\"", "family" },
        { "shufflenetv2-0.5x", "family", "\"1\"", "family" },
        { "shufflenetv2-0.5x", "family", "\"v2, v1\"", "family" },
        { "shufflenetv2-0.5x", "family", "\"v9\"", "family" },
        { "shufflenetv2-0.5x", "num_classes", "0", "num_classes" },
        { "shufflenetv2-0.5x", "num_classes", "2000000000", "num_classes" },
        { "shufflenetv2-0.5x", "stage_repeats", "[2000000000, 8, 4]", "stage_repeats[0]" },
        { "shufflenetv2-0.5x", "stage_repeats", "[4, 8, 0]", "stage_repeats[2]" },
        { "shufflenetv2-0.5x", "stage_channels", "[48, 96, 1000000]", "stage_channels[2]" },
        { "shufflenetv2-0.5x", "stage_channels", "[47, 96, 192]", "stage_channels[0]" },
        { "shufflenetv2-0.5x", "stage_channels", "[48, 48, 192]", "stage_channels[1]" },
        { "shufflenetv2-0.5x", "stage_channels", "[24, 96, 192]", "stage_channels[0]" },
        { "shufflenetv2-0.5x", "stem_channels", "[100000]", "stem_channels[0]" },
        { "shufflenetv2-0.5x", "stem_channels", "null", "stem_channels" },
        { "shufflenetv2-0.5x", "last_channels", "1000000", "last_channels" },
        { "shufflenetv1-g3-0.5x", "stage_channels", "[3, 240, 480]", "stage_channels[0]" },
        { "shufflenetv1-g3-0.5x", "stage_channels", "[120, 120, 480]", "stage_channels[1]" },
        { "shufflenetv1-g3-0.5x", "stage_channels", "[121, 240, 480]", "stage_channels[0]" },
        { "shufflenetv1-g3-0.5x", "groups", "0", "groups" },
        { "shufflenetv1-g3-0.5x", "groups", "7", "groups" },
        { "shufflenetv1-g3-0.5x", "groups", "1000", "groups" },
        { "shufflenetv2-large", "stage_channels", "[258, 512, 1024, 2048]", "stage_channels[0]" },
        { "shufflenetv2-large", "stem_channels", "[64, 64, 127]", "stem_channels[2]" },
        { "shufflenetv2-exlarge", "stage_channels", "[8, 640, 1280, 2560]", "stage_channels[0]" },
        { "shufflenetv2plus-small", "stage_channels", "[36, 104, 106, 416]", "stage_channels[2]" },
        { "shufflenetv2plus-small", "last_channels", "3", "last_channels" },
        { "oneshot", "mid_channels", "[44, 38, 25, 0, 48, 112, 64, 80, 96, 192, 256, 192, 160, 224, 256, 160, 320, 384, 320, 256]", "mid_channels[3]" },
        { "oneshot", "mid_channels", "[44, 38, 25, 100000, 48, 112, 64, 80, 96, 192, 256, 192, 160, 224, 256, 160, 320, 384, 320, 256]", "mid_channels[3]" },
    };

    static string Edit(string id, string field, string value)
    {
        var json = JsonNode.Parse(ModelZoo.Get(id).ToJson())!.AsObject();
        json[field] = JsonNode.Parse(value);
        return json.ToJsonString();
    }

    [Theory]
    [MemberData(nameof(BadFields))]
    public void EachBadFieldOfAStoredConfigurationIsAWeightsFormatErrorNamingIt(string id, string field, string value, string named)
    {
        var e = Record.Exception(() => ModelConfig.FromJson(Edit(id, field, value), "x.safetensors"));
        Assert.True(e is WeightsFormatException, $"{field} = {value}: {e?.GetType().Name ?? "accepted"}: {e?.Message}");
        Assert.Contains("x.safetensors", e!.Message);
        Assert.Contains(named, e.Message);
    }

    public static TheoryData<string, string> BadRecords => new()
    {
        { "family 99", "family" },
        { "v1 stage_channels[0] = 3", "stage_channels[0]" },
        { "stage_repeats of 2e9", "stage_repeats[1]" },
        { "num_classes of 2e9", "num_classes" },
        { "channels of 2e9", "stage_channels[2]" },
        { "every field at its bound", "parameters" },
    };

    static ModelConfig BadRecord(string what) => what switch
    {
        "family 99" => ModelZoo.Get("shufflenetv2-0.5x") with { Family = (ModelFamily)99 },
        "v1 stage_channels[0] = 3" => ModelZoo.Get("shufflenetv1-g3-0.5x") with { StageChannels = [3, 240, 480] },
        "stage_repeats of 2e9" => ModelZoo.Get("shufflenetv2-0.5x") with { StageRepeats = [4, 2_000_000_000, 4] },
        "num_classes of 2e9" => ModelZoo.Get("shufflenetv2-0.5x") with { NumClasses = 2_000_000_000 },
        // Each field within its own bound, but about 200 GB of weights together.
        "every field at its bound" => ModelZoo.Get("shufflenetv2-exlarge", ModelConfig.MaxClasses) with
        {
            StageRepeats = [.. Enumerable.Repeat(ModelConfig.MaxStageRepeats, 4)], StageChannels = [.. Enumerable.Repeat(ModelConfig.MaxChannels, 4)],
        },
        _ => ModelZoo.Get("shufflenetv2-0.5x") with { StageChannels = [48, 96, 2_000_000_000] },
    };

    /// <summary>Runs <paramref name="action"/> on a background thread: a runaway build (billions of ops) fails the
    /// test after a few seconds instead of stalling it.</summary>
    static Exception? Within(TimeSpan limit, Action action)
    {
        Exception? caught = null;
        var thread = new Thread(() => { try { action(); } catch (Exception e) { caught = e; } }) { IsBackground = true };
        thread.Start();
        Assert.True(thread.Join(limit), $"no answer within {limit.TotalSeconds} s");
        return caught;
    }

    [Theory]
    [MemberData(nameof(BadRecords))]
    public void BuildingTheGraphOfABadConfigurationIsAnArchitectureErrorNamingTheField(string what, string named)
    {
        var config = BadRecord(what);
        var e = Within(TimeSpan.FromSeconds(5), () => GraphFactory.Build(config));
        Assert.True(e is ArchitectureException, $"{what}: {e?.GetType().Name ?? "built"}: {e?.Message}");
        Assert.Contains(named, e!.Message);
        e = Within(TimeSpan.FromSeconds(5), () => WeightGenerator.Generate(config));
        Assert.True(e is ArchitectureException, $"{what}, generating weights: {e?.GetType().Name ?? "generated"}: {e?.Message}");
    }

    [Theory]
    [InlineData("\"family\":\"v2\"", "\"family\":99", "family")]
    [InlineData("\"stage_repeats\":[4,8,4]", "\"stage_repeats\":[4,2000000000,4]", "stage_repeats[1]")]
    [InlineData("\"num_classes\":10", "\"num_classes\":2000000000", "num_classes")]
    public void AWeightsFileWithABadConfigurationIsAWeightsFormatErrorNamingTheFileAndField(string from, string to, string named)
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get("shufflenetv2-0.5x", 10));
        string path = _dir["crafted.safetensors"];
        weights.Save(path);
        var (tensors, metadata) = SafetensorsFile.Read(path);
        var edited = new Dictionary<string, string>(metadata);
        Assert.Contains(from, edited["config"]);
        edited["config"] = edited["config"].Replace(from, to);
        SafetensorsFile.Write(path, tensors, edited);

        var e = Within(TimeSpan.FromSeconds(5), () => ModelWeights.Load(path));
        Assert.True(e is WeightsFormatException, $"{to}: {e?.GetType().Name ?? "loaded"}: {e?.Message}");
        Assert.Contains("crafted.safetensors", e!.Message);
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void ACheckpointInferredAsV1WithThreeStageChannelsIsRefusedByInference()
    {
        // Stem 1, then stride-2 blocks adding 2, 3 and 6 channels: stages of 3, 6 and 12 channels, whose 1x1 would
        // have 3 / 4 = 0 mid channels (a division by zero when the graph was built).
        var shapes = new Dictionary<string, int[]>
        {
            ["first_conv.0.weight"] = [1, 3, 3, 3],
            ["features.0.branch_main_1.0.weight"] = [1, 1, 1, 1], ["features.0.branch_main_2.0.weight"] = [2, 1, 1, 1],
            ["features.1.branch_main_1.0.weight"] = [1, 3, 1, 1], ["features.1.branch_main_2.0.weight"] = [3, 1, 1, 1],
            ["features.2.branch_main_1.0.weight"] = [2, 6, 1, 1], ["features.2.branch_main_2.0.weight"] = [6, 2, 1, 1],
            ["classifier.0.weight"] = [10, 12],
        };
        var e = Record.Exception(() => ArchitectureInference.Infer(shapes, "crafted.pth.tar"));
        Assert.True(e is ShuffleNetException, $"{e?.GetType().Name ?? "inferred"}: {e?.Message}");
        Assert.Contains("crafted.pth.tar", e!.Message);
        Assert.True(e.Message.Contains("stage_channels[0]"), e.Message);
    }

    [Fact]
    public void EveryZooConfigurationAndItsWidestClassCountValidate()
    {
        foreach (var id in ModelZoo.Ids)
        {
            ModelZoo.Get(id).Validate(id);
            ModelZoo.Get(id, ModelConfig.MaxClasses).Validate(id);
            Assert.True(ModelConfig.FromJson(ModelZoo.Get(id).ToJson(), id).SameAs(ModelZoo.Get(id)));
        }
    }

    [Fact]
    public void ClassesBeyondTheBoundAreRefusedWhereTheyAreGiven()
    {
        var e = Assert.Throws<ArchitectureException>(() => ModelZoo.Get("shufflenetv2-0.5x", 2_000_000_000));
        Assert.Contains("num_classes", e.Message);
        Assert.Contains(ModelConfig.MaxClasses.ToString(), e.Message);
        var c = Assert.Throws<CandidateException>(() => CandidateSpec.Parse("detnas:2,1,0,3,1,3,0,3,2,0,1,1,3,3,3,3,3,3,3,1:classes=2000000000"));
        Assert.Contains("classes", c.Message);
    }
}
