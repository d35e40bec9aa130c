using System.Text.Json;
using ShuffleNetGpu.Converter.Inference;
using ShuffleNetGpu.Converter.Torch;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;

namespace ShuffleNetGpu.Tests.Converter;

public class ArchitectureInferenceTests
{
    /// <summary>
    /// What each fixture's spec.json describes: the upstream constructor's numbers with its tiny_patch applied, written
    /// out by hand from spec.json (e.g. tiny-shufflenetv2: stage_out_channels [-1, 16, 32, 64, 128, 256], repeats [2, 3, 2]).
    /// The machine-readable parts (classes, architecture, channel scales) are also checked against spec.json directly.
    /// </summary>
    public static ModelConfig ExpectedTinyConfig(string id)
    {
        var spec = Fixtures.Spec(id);
        var kwargs = spec.GetProperty("upstream_kwargs");
        int classes = kwargs.GetProperty("n_class").GetInt32();
        int[]? Arch() => kwargs.TryGetProperty("architecture", out var a) ? a.EnumerateArray().Select(e => e.GetInt32()).ToArray() : null;
        return id switch
        {
            "tiny-shufflenetv1-g3" => new ModelConfig
            {
                Family = ModelFamily.V1, NumClasses = classes, StemChannels = [12], StageRepeats = [2, 3, 2], StageChannels = [24, 48, 96], Groups = 3,
            },
            "tiny-shufflenetv1-g8" => new ModelConfig
            {
                Family = ModelFamily.V1, NumClasses = classes, StemChannels = [16], StageRepeats = [2, 2, 2], StageChannels = [64, 128, 256], Groups = 8,
            },
            "tiny-shufflenetv2" => new ModelConfig
            {
                Family = ModelFamily.V2, NumClasses = classes, StemChannels = [16], StageRepeats = [2, 3, 2], StageChannels = [32, 64, 128], LastChannels = 256,
            },
            "tiny-shufflenetv2plus" => new ModelConfig
            {
                Family = ModelFamily.V2Plus, NumClasses = classes, StemChannels = [16], StageRepeats = [2, 2, 2, 2], StageChannels = [24, 48, 96, 192],
                LastChannels = 256, Choices = Arch(),
            },
            "tiny-shufflenetv2-large" => new ModelConfig
            {
                Family = ModelFamily.Large, NumClasses = classes, StemChannels = [8, 16, 32], StageRepeats = [2, 2, 3, 2],
                StageChannels = [4 * 8, 4 * 16, 4 * 32, 4 * 64], LastChannels = 64, Groups = 8,
            },
            "tiny-shufflenetv2-exlarge" => new ModelConfig
            {
                Family = ModelFamily.ExLarge, NumClasses = classes, StemChannels = [8, 16, 32], StageRepeats = [2, 2, 3, 2],
                StageChannels = [32, 64, 128, 256], Groups = 16,
            },
            "tiny-oneshot" => new ModelConfig
            {
                Family = ModelFamily.OneShot, NumClasses = classes, StemChannels = [16], StageRepeats = [2, 2, 2, 2], StageChannels = [32, 48, 96, 192],
                LastChannels = 256, Choices = Arch(),
                MidChannels = kwargs.GetProperty("channels_scales").EnumerateArray()
                    .Select((s, i) => ModelZoo.OneShotMid(new[] { 32, 32, 48, 48, 96, 96, 192, 192 }[i], s.GetDouble())).ToArray(),
            },
            "tiny-detnas" => new ModelConfig
            {
                Family = ModelFamily.DetNas, NumClasses = classes, StemChannels = [16], StageRepeats = [2, 2, 2, 2], StageChannels = [32, 48, 96, 192],
                LastChannels = 256, Choices = [3, 1, 2, 0, 3, 3, 1, 2],
            },
            _ => throw new ArgumentException(id),
        };
    }

    static Dictionary<string, int[]> Shapes(string id) =>
        TorchCheckpointReader.Read(Fixtures.Checkpoint(id)).Tensors.ToDictionary(t => t.Name, t => t.Shape);

    [Theory]
    [MemberData(nameof(Fixtures.TinyIdData), MemberType = typeof(Fixtures))]
    public void EachTinyFixtureInfersExactlyTheConfigurationOfItsSpec(string id)
    {
        var inferred = ArchitectureInference.Infer(Shapes(id), id);
        var expected = ExpectedTinyConfig(id);
        Assert.Equal(expected.ToJson(), inferred.ToJson());
        Assert.Equal(Fixtures.Spec(id).GetProperty("family").GetString(), JsonSerializer.Serialize(inferred.Family).Trim('"'));
    }

    [Theory]
    [MemberData(nameof(Fixtures.TinyIdData), MemberType = typeof(Fixtures))]
    public void InferredGraphHasTheSpecsParameterCount(string id)
    {
        var graph = GraphFactory.Build(ArchitectureInference.Infer(Shapes(id), id));
        // spec.json sums the state dict, where Large/ExLarge's se_block.* aliases repeat the se_fc* tensors;
        // model_counts.json (and the graph) count each parameter once.
        var specs = graph.UpstreamSpecs().ToDictionary(s => s.Name);
        long aliased = graph.UpstreamAliases.Values.Sum(canonical => specs[canonical].Elements);
        Assert.Equal(Fixtures.Spec(id).GetProperty("params_excluding_aux_heads").GetInt64(), graph.Parameters + aliased);
    }

    [Fact]
    public void UnknownTensorLayoutIsRefusedWithATypedError()
    {
        var e = Assert.Throws<ArchitectureException>(() => ArchitectureInference.Infer(new Dictionary<string, int[]> { ["foo.weight"] = [3] }, "x.pth"));
        Assert.Contains("x.pth", e.Message);
        Assert.Contains("first_conv", e.Message);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        var shapes = Shapes("tiny-shufflenetv2");
        shapes.Remove("features.2.branch_main.5.weight");
        var e = Assert.Throws<ArchitectureException>(() => ArchitectureInference.Infer(shapes, "v2.pth"));
        Assert.Contains("features.2.branch_main.5.weight", e.Message);
    }
}
