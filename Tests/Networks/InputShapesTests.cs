using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Tests.Networks;

/// <summary>
/// The graph at any input size (issue 13): C2..C5 shapes against upstream's formula for every side 32..700 (both axes,
/// one family model each), the head's fixed 7x7 pool (logits only at 193..224), and too-small inputs refused.
/// </summary>
public sealed class InputShapesTests
{
    /// <summary>One released model per family.</summary>
    public static readonly string[] OnePerFamily =
    [
        "shufflenetv1-g3-1.0x", "shufflenetv2-1.0x", "shufflenetv2plus-small", "oneshot", "detnas-coco-fpn-300m",
        "shufflenetv2-large", "shufflenetv2-exlarge",
    ];

    /// <summary>Upstream's <c>nn.Conv2d</c>/<c>nn.MaxPool2d</c> output side: floor((size + 2p - k) / s) + 1.</summary>
    static int Out(int size, int k, int s, int p) => (int)Math.Floor((size + 2.0 * p - k) / s) + 1;

    /// <summary>
    /// Ck's side by hand: every family halves the input five times before C5, each time with an odd window, padding
    /// k / 2 and stride 2 (the stem's 3x3 convolution; then the max pool (V1, V2, Large, ExLarge) or the first block of
    /// stage 1 (V2+, OneShot, DetNAS); then the first block of each later stage, whose depthwise or 3x3 convolution has
    /// k = 3, 5 or 7). The window does not change the side for odd k, so k = 3 and k = 7 are both checked.
    /// </summary>
    static int Expected(int size, int stage, int k)
    {
        for (int i = 0; i < stage; i++) size = Out(size, i == 0 ? 3 : k, 2, (i == 0 ? 3 : k) / 2);
        Assert.Equal(size, Out(Out(size, 3, 1, 1), 1, 1, 0));   // stride-1 3x3 and 1x1 layers keep the side
        return size;
    }

    [Fact]
    public void StageShapesFollowUpstreamsArithmeticForEverySideFrom32To700()
    {
        foreach (string id in OnePerFamily)
        {
            var graph = GraphFactory.Build(ModelZoo.Get(id));
            var stages = StageOutputs.All.Select(k => StageOutputs.Tensor(graph, k)).ToArray();
            for (int side = InputShapes.MinSize; side <= 700; side++)
            {
                foreach (var (h, w) in new[] { (side, 33), (97, side) })
                {
                    var sized = graph.AtInputSize(h, w);
                    Assert.Equal((h, w), (sized.InputHeight, sized.InputWidth));
                    for (int i = 0; i < 4; i++)
                    {
                        var t = sized.Tensors[stages[i]];
                        int k = i + 2;
                        Assert.True(t.Height == Expected(h, k, 3) && t.Height == Expected(h, k, 7) && t.Width == Expected(w, k, 3),
                            $"{id} {h}x{w}: C{k} is {t.Height}x{t.Width}, upstream gives {Expected(h, k, 3)}x{Expected(w, k, 3)}");
                        Assert.Equal(graph.Tensors[stages[i]].Channels, t.Channels);
                    }
                }
            }
            // The multiply-adds scale with the maps: at 448x448 every convolution on a map (not on a pooled 1x1 vector) does
            // four times its 224x224 work, and the rest does the same work.
            var large = graph.AtInputSize(448, 448);
            bool OnMap(GraphOp op) => op is ConvOp && graph.Tensors[op.Output.Tensor].Height > 1;
            long mapped = graph.Ops.Where(OnMap).Sum(o => o.Macs(graph)), rest = graph.Macs - mapped;
            Assert.Equal(4 * mapped + rest, large.Macs);
        }
    }

    [Fact]
    public void TheDetectionExampleHasUpstreamsShapes()
    {
        // The figures, checked on the upstream modules: 320x480 gives 80x120 .. 10x15, 513x389 gives 129x98 .. 17x13.
        var graph = GraphFactory.Build(ModelZoo.Get("detnas-coco-fpn-300m"));
        int[][] Sides(int h, int w) => StageOutputs.All.Select(k => graph.AtInputSize(h, w).Tensors[StageOutputs.Tensor(graph, k)])
            .Select(t => new[] { t.Height, t.Width }).ToArray();
        Assert.Equal([[80, 120], [40, 60], [20, 30], [10, 15]], Sides(320, 480));
        Assert.Equal([[129, 98], [65, 49], [33, 25], [17, 13]], Sides(513, 389));
        Assert.Equal([[200, 304], [100, 152], [50, 76], [25, 38]], Sides(800, 1216));
    }

    [Fact]
    public void LogitsNeedTheHeadsSevenBySevenMapEveryFamilyPoolsWithAFixedWindow()
    {
        foreach (string id in OnePerFamily)
        {
            var graph = GraphFactory.Build(ModelZoo.Get(id));
            Assert.Equal((193, 224), graph.ClassifierSizes());
            graph.AtInputSize(193, 224).CheckClassifierSize();
            graph.AtInputSize(224, 193).CheckClassifierSize();
            foreach (var (h, w) in new[] { (192, 224), (224, 225), (320, 480), (32, 32) })
            {
                var e = Assert.Throws<InputSizeException>(() => graph.AtInputSize(h, w).CheckClassifierSize());
                Assert.Contains($"input {h}x{w}", e.Message);
                Assert.Contains("193..224", e.Message);
                Assert.Contains("AvgPool2d(7)", e.Message);
            }
        }
    }

    [Theory]
    [InlineData(31, 64)]
    [InlineData(64, 31)]
    [InlineData(0, 224)]
    [InlineData(-5, 224)]
    public void ASideBelow32IsATypedErrorNamingTheMinimum(int h, int w)
    {
        var graph = GraphFactory.Build(ModelZoo.Get("shufflenetv2-0.5x"));
        var e = Assert.Throws<InputSizeException>(() => graph.AtInputSize(h, w));
        Assert.Contains($"{h}x{w}", e.Message);
        Assert.Contains("at least 32", e.Message);
        Assert.Equal((h, w), (e.Height, e.Width));
        Assert.Contains("at most 16384", Assert.Throws<InputSizeException>(() => graph.AtInputSize(224, 16385)).Message);
    }

    [Fact]
    public void TheLibraryRefusesTooSmallInputsAndLogitsAtOtherSizes()
    {
        using var net = ShuffleNet.FromWeights(CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv2")), BackendKind.Cpu);
        var small = new float[3 * 31 * 64];
        Assert.Contains("at least 32", Assert.Throws<InputSizeException>(() => net.Features(small, 31, 64)).Message);
        Assert.Contains("at least 32", Assert.Throws<InputSizeException>(() => net.Embed(small, 64, 31)).Message);
        var batch = new float[2 * 3 * 96 * 160];
        Assert.Contains("193..224", Assert.Throws<InputSizeException>(() => net.Run(batch, 96, 160)).Message);
        Assert.Contains("193..224", Assert.Throws<InputSizeException>(() => net.RunLayer(batch, 96, 160, "classifier")).Message);
        // What is not the head runs: a named layer before it, the maps, the embedding (the mean of the whole last map).
        Assert.Equal([2, 128, 3, 5], net.RunLayer(batch, 96, 160, "features.6").Shape);
        Assert.Equal([2, net.EmbeddingSize], [net.Embed(batch, 96, 160).Length / net.EmbeddingSize, net.EmbeddingSize]);
        var wrong = Assert.Throws<ShuffleNetException>(() => net.Features(new float[3 * 96 * 161], 96, 160));
        Assert.Contains("N x 3 x 96 x 160", wrong.Message);
        // A size that classifies gives logits.
        Assert.Equal(2 * net.Classes, net.Run(new float[2 * 3 * 200 * 210], 200, 210).Length);
    }
}
