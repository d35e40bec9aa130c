using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Cpu;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Tests.Reference;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime.Cpu;

/// <summary>
/// The CPU engine on whole networks: released configurations at full size against the double-precision reference
/// executor, the same bits whatever the thread count and batch split, every processor path within the fixture
/// tolerance, and no allocation per run but the results.
/// </summary>
public class CpuEngineTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData("shufflenetv2-1.0x")]
    [InlineData("shufflenetv1-g8-1.0x")]
    [InlineData("shufflenetv2plus-large")]
    [InlineData("oneshot")]
    [InlineData("detnas-coco-fpn-300m")]
    [InlineData("shufflenetv1-g3-1.0x")]
    [InlineData("shufflenetv2plus-medium")]
    public void FullSizeGeneratedWeightsAgreeWithTheReference(string id)
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get(id), seed: 5);
        var input = FullSizeTests.SyntheticImage();
        var reference = ReferenceExecutor.Run(weights, input, 1);
        using var net = ShuffleNet.FromWeights(weights, BackendKind.Cpu);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var logits = net.Run(input);
        double error = ReferenceExecutorTests.RelativeL2(logits, reference[weights.Graph.OutputTensor]);
        log.WriteLine($"{id}: relative L2 {error:E3} on {net.DeviceDescription}, first run {watch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.InRange(error, 0, 1e-4);
    }

    /// <summary>Each output is reduced by one thread in a fixed order, so 1, 2, 3 or 4 threads give the same bits; and
    /// images are computed independently, so a batch gives the bits of its images run one by one.</summary>
    [Theory]
    [InlineData("shufflenetv2-1.0x")]
    [InlineData("shufflenetv1-g3-1.0x")]
    [InlineData("shufflenetv2plus-medium")]
    public void ResultsDoNotDependOnThreadsOrBatchSplit(string id)
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get(id), seed: 7);
        var batch = FullSizeTests.SyntheticImage(1).Concat(FullSizeTests.SyntheticImage(2)).Concat(FullSizeTests.SyntheticImage(3)).ToArray();
        float[]? first = null;
        foreach (int threads in new[] { 1, 2, 3, 4 })
        {
            using var net = ShuffleNet.FromWeights(weights, BackendKind.Cpu, threads);
            var logits = net.Run(batch);
            if (first is null)
            {
                first = logits;
                // One image at a time on the same engine.
                for (int img = 0; img < 3; img++)
                {
                    var single = net.Run(batch.AsSpan(img * ShuffleNet.ImageElements, ShuffleNet.ImageElements).ToArray());
                    Assert.True(single.AsSpan().SequenceEqual(first.AsSpan(img * 1000, 1000)), $"{id}: image {img} alone differs from it in a batch");
                }
            }
            else Assert.True(first.AsSpan().SequenceEqual(logits), $"{id}: {threads} threads give other bits than 1 thread");
        }
    }

    /// <summary>A batch of at least as many images as threads runs image by image, one per thread
    /// (<see cref="CpuImageLanes"/>); fewer images than threads run op by op over the whole batch. Both must put every
    /// requested tensor of every image in its place: the stage maps and the embedding (several outputs, the array API)
    /// and the logits (the span API) of 3 images on 2 threads (lanes) equal those on 4 threads (whole batch), bit for
    /// bit, at 224 and at a detector's odd size. The fully connected tail runs over the whole batch after the lanes
    /// (<see cref="CpuLaneSplit"/>): the logits, and V2+'s embedding (the output of its <c>fc.0</c>), come from it.</summary>
    [Theory]
    [InlineData("shufflenetv2-0.5x", 224, 224)]
    [InlineData("shufflenetv1-g3-0.5x", 161, 97)]
    [InlineData("shufflenetv2plus-small", 224, 224)]
    public void ABatchRunImageByImagePutsEveryOutputInItsPlace(string id, int height, int width)
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get(id), seed: 9);
        var rng = new Random(4);
        var batch = Enumerable.Range(0, 3 * 3 * height * width).Select(_ => (float)rng.NextDouble() * 255).ToArray();
        using var lanes = ShuffleNet.FromWeights(weights, BackendKind.Cpu, 2);
        using var whole = ShuffleNet.FromWeights(weights, BackendKind.Cpu, 4);
        var a = lanes.Features(batch, height, width, [2, 3, 4, 5], embedding: true);
        var b = whole.Features(batch, height, width, [2, 3, 4, 5], embedding: true);
        foreach (int stage in new[] { 2, 3, 4, 5 })
        {
            Assert.Equal(b[stage].Shape, a[stage].Shape);
            Assert.True(b[stage].Data.AsSpan().SequenceEqual(a[stage].Data), $"{id}: stage {stage} differs image by image");
        }
        Assert.True(b.Embedding!.Data.AsSpan().SequenceEqual(a.Embedding!.Data), $"{id}: the embedding differs image by image");
        if (height == 224 && width == 224)
        {
            var x = new float[3 * lanes.Classes + 1];
            var y = new float[3 * lanes.Classes + 1];
            x[^1] = y[^1] = 42f;   // past the logits: left alone
            lanes.Run(batch, x.AsSpan(0, 3 * lanes.Classes));
            whole.Run(batch, y.AsSpan(0, 3 * lanes.Classes));
            Assert.True(y.AsSpan().SequenceEqual(x), $"{id}: the logits differ image by image");
            Assert.Equal(42f, x[^1]);
            Assert.True(lanes.Run(batch).AsSpan().SequenceEqual(x.AsSpan(0, 3 * lanes.Classes)));
        }
    }

    public static TheoryData<CpuPath> Paths => CpuOpHarness.PathData();

    /// <summary>Every path the processor has, forced in turn (the others off): every tiny fixture within its tolerance.</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void EveryForcedPathPassesEveryFixture(CpuPath path)
    {
        var saved = CpuFeatures.Override;
        try
        {
            CpuFeatures.Override = path;
            foreach (var id in Fixtures.TinyIds)
            {
                var weights = CheckpointConverter.Convert(Fixtures.Checkpoint(id));
                var (_, input) = NpyFile.Read(Path.Combine(Fixtures.TinyDir(id), "input.npy"));
                var (_, expected) = NpyFile.Read(Path.Combine(Fixtures.TinyDir(id), "logits.npy"));
                using var net = ShuffleNet.FromWeights(weights, BackendKind.Cpu, 2);
                Assert.Contains(path switch { CpuPath.Vector512 => "AVX-512", CpuPath.Vector256 => "AVX2", _ => "scalar" }, net.DeviceDescription);
                double error = ReferenceExecutorTests.RelativeL2(net.Run(input), expected);
                log.WriteLine($"{path} {id}: relative L2 {error:E3}");
                Assert.True(error <= ReferenceExecutorTests.Tolerance(id), $"{path} {id}: relative L2 {error:E3}");
            }
        }
        finally
        {
            CpuFeatures.Override = saved;
        }
    }

    [Fact]
    public void APathTheProcessorLacksIsRefused()
    {
        if (CpuFeatures.Best == CpuPath.Vector512) return;   // nothing above the best path to ask for
        var saved = CpuFeatures.Override;
        try
        {
            CpuFeatures.Override = CpuPath.Vector512;
            Assert.Throws<PlatformNotSupportedException>(() => CpuFeatures.Current);
        }
        finally
        {
            CpuFeatures.Override = saved;
        }
    }

    /// <summary>Once warmed up, a run allocates only the arrays it returns (the input is read in place, the arena,
    /// scratch, plans and pointer table are reused).</summary>
    [Fact]
    public void AWarmRunAllocatesOnlyItsResults()
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get("shufflenetv2-0.5x"), seed: 1);
        using var net = ShuffleNet.FromWeights(weights, BackendKind.Cpu, 2);
        var input = FullSizeTests.SyntheticImage();
        for (int i = 0; i < 3; i++) net.Run(input);
        // This thread only (the workers allocate nothing: SpanApiTests): a process-wide count also sees the tests beside this one.
        // The least of three windows of 10 runs: a one-off allocation on this thread in one window (CI saw ~5 KB once, under
        // load) is not a per-run cost; an allocation in every run shows in every window.
        long perRun = long.MaxValue;
        for (int window = 0; window < 3; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) net.Run(input);
            perRun = Math.Min(perRun, (GC.GetAllocatedBytesForCurrentThread() - before) / 10);
        }
        log.WriteLine($"{perRun} bytes per run");
        // The logits (1000 floats) and the array holding them, plus object headers and a few small per-call objects
        // (the arena, plans or scratch would be megabytes).
        Assert.InRange(perRun, 4000, 4400);
        Assert.Equal(weights.Graph.Ops.Count, net.LastRunOps);
        Assert.True(net.AllocatedBytes > weights.Graph.WeightSpecs().Sum(s => s.Elements) * sizeof(float));
    }

    /// <summary>A warm <c>Run</c> into the caller's buffer allocates no managed memory on any of the engine's threads:
    /// the caller's and every worker's count is read (<see cref="CpuWorkerPool.ReadAllocatedBytes"/>), so a chunk that
    /// allocates on a worker fails this test where the caller-only tests pass. (A process-wide count,
    /// <see cref="GC.GetTotalAllocatedBytes"/>, saw the test host's own threads: 168 bytes per few milliseconds with a
    /// single-threaded engine.) V1 (fused residual adds, grouped 1x1) and V2+ (SE, hard-swish, pools), batch 1 and 3.</summary>
    [Theory]
    [InlineData("shufflenetv1-g3-0.5x")]
    [InlineData("shufflenetv2plus-small")]
    public void AWarmRunAllocatesNothingOnAnyEngineThread(string id)
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get(id), seed: 2);
        using var net = ShuffleNet.FromWeights(weights, BackendKind.Cpu, 2);
        var pool = ((CpuExecutor)net.Lanes.Lane(0)).Pool;
        var before = new CpuWorkerPool.AllocationProbe(pool.Threads);
        var after = new CpuWorkerPool.AllocationProbe(pool.Threads);
        foreach (int n in new[] { 1, 3 })
        {
            var input = Enumerable.Range(1, n).SelectMany(i => FullSizeTests.SyntheticImage(i)).ToArray();
            var logits = new float[n * net.Classes];
            for (int i = 0; i < 3; i++) net.Run(input, logits);
            pool.ReadAllocatedBytes(before);
            for (int i = 0; i < 10; i++) net.Run(input, logits);
            pool.ReadAllocatedBytes(after);
            var perThread = after.Bytes.Zip(before.Bytes, (a, b) => a - b).ToArray();
            log.WriteLine($"{id}, batch {n}: bytes allocated in 10 warm runs by the caller and the worker: {string.Join(", ", perThread)}");
            Assert.All(perThread, bytes => Assert.Equal(0, bytes));
        }
    }

    /// <summary>V1's residual adds run fused into the 1x1 convolution before them, with the same bits as separately
    /// (asking for the convolutions' outputs too keeps them unfused).</summary>
    [Theory]
    [InlineData("shufflenetv1-g3-1.0x", 1)]
    [InlineData("shufflenetv1-g8-0.5x", 3)]
    public void ResidualAddsAreFusedWithTheSameBits(string id, int n)
    {
        var weights = WeightGenerator.Generate(ModelZoo.Get(id), seed: 8);
        var g = weights.Graph;
        var input = Enumerable.Range(1, n).SelectMany(i => FullSizeTests.SyntheticImage(i)).ToArray();
        using var net = ShuffleNet.FromWeights(weights, BackendKind.Cpu, 2);
        net.Profile = new ShuffleNetGpu.Runtime.Execution.OpProfile();
        var fused = net.Run(input);
        int adds = g.Ops.Count(o => o is ShuffleNetGpu.Networks.Graph.AddOp);
        Assert.Equal(g.Ops.Count - adds, net.LastRunOps);
        Assert.Contains(net.Profile.Rows, r => r.Kernel == "PointwiseConv2d+Add");
        net.Profile = null;

        var branches = g.Ops.OfType<ShuffleNetGpu.Networks.Graph.AddOp>().Select(a => a.A.Tensor).Distinct().ToList();
        var separate = net.RunTensors(input, [g.OutputTensor, .. branches])[0];
        Assert.Equal(g.Ops.Count, net.LastRunOps);
        Assert.True(fused.AsSpan().SequenceEqual(separate), $"{id}: the fused adds change the result");
    }

    [Fact]
    public void EngineFactsAndLayersAndNaN()
    {
        var weights = CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv1-g3"));
        using var net = ShuffleNet.FromWeights(weights, BackendKind.Cpu, 3);
        Assert.Equal(BackendKind.Cpu, net.Backend);
        Assert.Contains("CPU SIMD engine", net.DeviceDescription);
        Assert.Contains("3 threads", net.DeviceDescription);
        Assert.Throws<ShuffleNetException>(() => ShuffleNet.FromWeights(weights, BackendKind.Cpu, -1));

        var (_, input) = NpyFile.Read(Path.Combine(Fixtures.TinyDir("tiny-shufflenetv1-g3"), "input.npy"));
        var reference = ReferenceExecutor.Run(weights, input, 2);
        var (shape, layer) = net.RunLayer(input, "features.1");
        int tensor = weights.Graph.FindNamed("features.1")!.Value;
        Assert.Equal(reference[tensor].Length, layer.Length);
        Assert.True(ReferenceExecutorTests.RelativeL2(layer, reference[tensor]) < 1e-5);
        Assert.True(net.LastRunOps < weights.Graph.Ops.Count);   // the plan stops after the layer
        Assert.Equal(2, shape[0]);

        input[3 * 224 * 224 + 1000] = float.NaN; // one pixel of image 1
        var logits = net.Run(input);
        Assert.All(logits.AsSpan(0, 10).ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Contains(logits.AsSpan(10, 10).ToArray(), float.IsNaN);

        net.Profile = new ShuffleNetGpu.Runtime.Execution.OpProfile();
        net.Run(input);
        Assert.Contains(net.Profile.Rows, r => r.Kernel == "PointwiseConv2d");
        net.Profile = null;
    }
}
