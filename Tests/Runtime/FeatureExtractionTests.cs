using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Tests.Reference;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>
/// <see cref="ShuffleNet.Features(float[], IReadOnlyList{int}, bool)"/> on every tiny fixture: each Ck and the embedding
/// equal PyTorch's recorded activation of the module the SPEC makes it (image 0, relative L2 within the fixture
/// tolerance, 1e-4), and the same tensor of a full forward pass. Where <c>../shared/fixtures/.../act</c> is absent the
/// PyTorch comparison falls back to the full pass (logged), unless <c>SHUFFLENET_REQUIRE_ACT</c> is set: then it fails.
/// </summary>
public abstract class FeatureExtractionTests(ITestOutputHelper log)
{
    /// <summary>
    /// The upstream module each of C2..C5 and the embedding is, worked out by hand from the SPEC and each fixture's
    /// <c>tiny_patch</c> (stage repeats), independently of <see cref="StageOutputs"/>: V1/V2 have a max pool and their
    /// first stage at stride 8, so C2 is the max pool and C3..C5 the last block of each stage (blocks are numbered
    /// through the whole network); V2+/OneShot/DetNAS have no max pool and four stages from stride 4; Large/ExLarge name
    /// their stages <c>features.0..3</c>, the first at the max pool's stride 4.
    /// </summary>
    public static readonly Dictionary<string, string[]> ExpectedModules = new()
    {
        ["tiny-shufflenetv1-g3"] = ["maxpool", "features.1", "features.4", "features.6", "globalpool"],  // repeats 2, 3, 2
        ["tiny-shufflenetv1-g8"] = ["maxpool", "features.1", "features.3", "features.5", "globalpool"],  // repeats 2, 2, 2
        ["tiny-shufflenetv2"] = ["maxpool", "features.1", "features.4", "features.6", "globalpool"],     // repeats 2, 3, 2
        ["tiny-shufflenetv2plus"] = ["features.1", "features.3", "features.5", "features.7", "fc"],     // fc.0 + HS feeds classifier.0
        ["tiny-oneshot"] = ["features.1", "features.3", "features.5", "features.7", "globalpool"],
        ["tiny-detnas"] = ["features.1", "features.3", "features.5", "features.7", "global_pool"],
        ["tiny-shufflenetv2-large"] = ["features.0", "features.1", "features.2", "features.3", "globalpool"],
        ["tiny-shufflenetv2-exlarge"] = ["features.0", "features.1", "features.2", "features.3", "globalpool"],
    };

    protected void StageMapsMatchTheFixture(BackendKind backend, string id)
    {
        var weights = CheckpointConverter.Convert(Fixtures.Checkpoint(id));
        var graph = weights.Graph;
        var (_, both) = NpyFile.Read(Path.Combine(Fixtures.TinyDir(id), "input.npy"));
        var input = both[..ShuffleNet.ImageElements]; // act/ holds image 0 only; one image halves the time
        double tolerance = ReferenceExecutorTests.Tolerance(id);
        string[] modules = ExpectedModules[id];
        using var net = ShuffleNet.FromWeights(weights, backend);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var maps = net.Features(input, [2, 3, 4, 5], embedding: true);
        log.WriteLine($"{id} on {net.DeviceDescription}: features in {watch.Elapsed.TotalSeconds:F1} s");

        // One full forward pass (the logits requested too), every named module's output kept.
        var named = graph.NamedTensors.Select(kv => kv.Value).Append(graph.OutputTensor).Distinct().ToArray();
        var full = net.RunTensors(input, named);
        float[] FullOutput(int tensor) => full[Array.IndexOf(named, tensor)];

        var results = maps.All.ToArray();
        Assert.Equal(["c2", "c3", "c4", "c5", "embedding"], results.Select(m => m.Name));
        for (int i = 0; i < results.Length; i++)
        {
            var map = results[i];
            string module = modules[i];
            int tensor = graph.FindNamed(module) ?? throw new InvalidOperationException($"{id}: graph has no module {module}");
            var info = graph.Tensors[tensor];
            int[] shape = i < 4 ? [1, info.Channels, 224 >> (i + 2), 224 >> (i + 2)] : [1, info.Channels];
            Assert.Equal(shape, map.Shape);
            Assert.Equal(i < 4 ? StageOutputs.Tensor(graph, i + 2) : StageOutputs.EmbeddingTensor(graph), tensor);

            double vsFull = ReferenceExecutorTests.RelativeL2(map.Data, FullOutput(tensor));
            Assert.True(vsFull <= 1e-6, $"{id} {map.Name}: relative L2 {vsFull:E3} from the full pass's {module}");

            string? act = Fixtures.ActivationFile(id, module);
            if (act is null)
            {
                log.WriteLine($"{id} {map.Name} = {module}: act/ absent, compared with the full pass only");
                continue;
            }
            var (actShape, expected) = NpyFile.Read(act);
            Assert.Equal(expected.Length, map.Data.Length);
            double error = ReferenceExecutorTests.RelativeL2(map.Data, expected);
            log.WriteLine($"{id} {map.Name} = {module} [{string.Join(", ", map.Shape)}]: relative L2 {error:E3} vs PyTorch ({Path.GetFileName(act)} [{string.Join(", ", actShape)}])");
            Assert.True(error <= tolerance, $"{id} {map.Name} = {module}: relative L2 {error:E3} > {tolerance:E3}");
        }
    }
}

public sealed class IlgpuCpuFeatureExtractionTests(ITestOutputHelper log) : FeatureExtractionTests(log)
{
    // The extraction is backend-independent (it requests graph tensors); all eight fixtures run on the fast `cpu`
    // engine below, and here the three kinds of C2 (a max pool, a stage output, Large's first stage).
    [Theory]
    [InlineData("tiny-shufflenetv1-g3")]
    [InlineData("tiny-shufflenetv2plus")]
    [InlineData("tiny-shufflenetv2-large")]
    public void StageMapsMatchTheFixtureOnIlgpuCpu(string id) => StageMapsMatchTheFixture(BackendKind.IlgpuCpu, id);

    static ShuffleNet TinyV1() => ShuffleNet.FromWeights(CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv1-g3")), BackendKind.IlgpuCpu);

    [Fact]
    public void EachStageEqualsRunLayerOfItsModuleForTheWholeBatch()
    {
        using var net = TinyV1();
        var (_, input) = NpyFile.Read(Path.Combine(Fixtures.TinyDir("tiny-shufflenetv1-g3"), "input.npy"));
        var maps = net.Features(input); // all four stages
        Assert.Equal([2, 3, 4, 5], maps.StageNumbers);
        foreach (var (stage, module) in new[] { (2, "maxpool"), (3, "features.1"), (4, "features.4"), (5, "features.6") })
        {
            var (shape, data) = net.RunLayer(input, module);
            Assert.Equal(shape, maps[stage].Shape);
            Assert.Equal(2, maps[stage].Batch);
            Assert.True(ReferenceExecutorTests.RelativeL2(maps[stage].Data, data) <= 1e-6, $"C{stage} differs from RunLayer({module})");
        }
        var embedding = net.Embed(input);
        var (_, pooled) = net.RunLayer(input, "globalpool");
        Assert.Equal(2 * net.EmbeddingSize, embedding.Length);
        Assert.True(ReferenceExecutorTests.RelativeL2(embedding, pooled) <= 1e-6);
    }

    [Fact]
    public void BadStagesAreTypedErrorsNamingTheValueAndTheRange()
    {
        using var net = TinyV1();
        var input = new float[ShuffleNet.ImageElements];
        var e = Assert.Throws<InvalidStageException>(() => net.Features(input, 6));
        Assert.Contains("stage 6", e.Message);
        Assert.Contains("2..5", e.Message);
        Assert.Throws<InvalidStageException>(() => net.Features(input, [1], embedding: false));
        var notAsked = Assert.Throws<InvalidStageException>(() => net.Features(input, [3], embedding: false)[4]);
        Assert.Contains("stage 4 was not requested", notAsked.Message);
        // Maps come back in the order asked, duplicates dropped.
        Assert.Equal(["c5", "c2", "embedding"], net.Features(input, [5, 2, 5], embedding: true).All.Select(m => m.Name));

        Assert.Equal([2, 5, 3], StageOutputs.Parse("2, c5,3,2"));
        Assert.Empty(StageOutputs.Parse(""));
        Assert.Contains("'x4'", Assert.Throws<InvalidStageException>(() => StageOutputs.Parse("2,x4")).Message);
        Assert.Contains("stage 0", Assert.Throws<InvalidStageException>(() => StageOutputs.Parse("0")).Message);
    }
}

/// <summary>Every fixture on the SIMD CPU engine.</summary>
public sealed class CpuFeatureExtractionTests(ITestOutputHelper log) : FeatureExtractionTests(log)
{
    [Theory]
    [MemberData(nameof(Fixtures.TinyIdData), MemberType = typeof(Fixtures))]
    public void StageMapsMatchTheFixtureOnCpu(string id) => StageMapsMatchTheFixture(BackendKind.Cpu, id);
}

/// <summary>The same on OpenCL (PoCL in CI) for two fixtures that cover both kinds of C2 (a max pool; a stage output).</summary>
public sealed class OpenCLFeatureExtractionTests(ITestOutputHelper log) : FeatureExtractionTests(log)
{
    [OpenCLTheory]
    [InlineData("tiny-shufflenetv2")]
    [InlineData("tiny-shufflenetv2plus")]
    public void StageMapsMatchTheFixtureOnOpenCL(string id) => StageMapsMatchTheFixture(BackendKind.OpenCL, id);
}
