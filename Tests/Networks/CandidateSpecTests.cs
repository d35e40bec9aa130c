using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;

namespace ShuffleNetGpu.Tests.Networks;

public class CandidateSpecTests
{
    const string Searched = "0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2"; // SPEC: V2+ and OneShot's released architecture
    // SPEC: OneShot's scale ids [6, 5, 3, 5, 2, 6, 3, 4, 2, 5, 7, 5, 4, 6, 7, 4, 4, 5, 4, 3] into [0.2, 0.4, ..., 1.6].
    const string OneShotScales = "1.4,1.2,0.8,1.2,0.6,1.4,0.8,1.0,0.6,1.2,1.6,1.2,1.0,1.4,1.6,1.0,1.0,1.2,1.0,0.8";
    const string DetNas40 = "0,0,3,1,2,1,0,2,0,3,1,2,3,3,2,0,2,1,1,3,2,0,2,2,2,1,3,1,0,3,3,3,1,3,3,3,3,3,3,3";

    /// <summary>Each released searched model as a candidate string, written from the SPEC's tables (not from ModelZoo).</summary>
    public static TheoryData<string, string> Released => new()
    {
        { "oneshot", $"oneshot:{Searched}:scales={OneShotScales}" },
        { "shufflenetv2plus-small", $"v2plus:{Searched}:width=small" },
        { "shufflenetv2plus-medium", $"v2plus:{Searched}:width=medium" },
        { "shufflenetv2plus-large", $"v2plus:{Searched}:width=large" },
        { "detnas-coco-fpn-3.8g", $"detnas:{DetNas40}:width=3.8g" },
        { "detnas-coco-fpn-1.3g", $"detnas:{DetNas40}:width=1.3g" },
        { "detnas-coco-fpn-300m", "detnas:2,1,2,0,2,1,1,2,3,3,1,3,0,0,3,1,3,1,3,2" },
        { "detnas-coco-retinanet-300m", "detnas:2,3,1,1,3,2,1,3,3,1,1,1,3,3,2,0,3,3,3,3:width=300m" },
        { "detnas-voc-fpn-300m", "detnas:2,1,0,3,1,3,0,3,2,0,1,1,3,3,3,3,3,3,3,1" },
        { "detnas-voc-retinanet-300m", "detnas:1,3,0,0,2,3,3,3,2,3,3,3,3,2,2,0,2,3,1,1" },
    };

    [Theory]
    [MemberData(nameof(Released))]
    public void ReleasedArchitecturesAsStringsAreTheZooEntries(string id, string text)
    {
        var candidate = CandidateSpec.Parse(text);
        Assert.True(candidate.Config.SameAs(ModelZoo.Get(id)), $"{text}\n{candidate.Config.ToJson()}\n{ModelZoo.Get(id).ToJson()}");
        var graph = GraphFactory.Build(candidate.Config);
        var counts = Fixtures.Counts().Single(c => c.Id == id);
        Assert.Equal(counts.Params, graph.Parameters);
        Assert.Equal(counts.Macs, graph.Macs);
        // The canonical text parses back to the same configuration.
        Assert.True(CandidateSpec.Parse(candidate.Text).Config.SameAs(candidate.Config));
    }

    static (long Params, long Macs) Count(string text)
    {
        var graph = GraphFactory.Build(CandidateSpec.Parse(text).Config);
        return (graph.Parameters, graph.Macs);
    }

    static string Replace(string list, int index, string value)
    {
        var items = list.Split(',');
        items[index] = value;
        return string.Join(",", items);
    }

    static readonly string Zeros20 = string.Join(",", Enumerable.Repeat("0", 20));
    static readonly string Ones20 = string.Join(",", Enumerable.Repeat("1.0", 20));

    [Fact]
    public void OneShotBlockChangesCostWhatTheyCostByHand()
    {
        // Block 1: stage 1's second block (stride 1) at 56x56: it splits 64 channels, the branch maps 32 -> 32 with
        // mid = int(32 * scale); every conv has a BN (2 parameters per channel).
        var (p0, m0) = Count($"oneshot:{Zeros20}:scales={Ones20}");

        // Shuffle 3x3 -> 5x5: only the 32-channel depthwise conv grows, by 32 x (25 - 9) = 512 weights,
        // 512 x 56 x 56 = 1,605,632 multiply-adds.
        var (p1, m1) = Count($"oneshot:{Replace(Zeros20, 1, "1")}:scales={Ones20}");
        Assert.Equal((512L, 1_605_632L), (p1 - p0, m1 - m0));

        // Shuffle 3x3 -> Xception: shuffle = 1x1 (1024 + 64), dw (288 + 64), 1x1 (1024 + 64) = 2528;
        // Xception = 3 x dw (288 + 64) + 3 x 1x1 (1024 + 64) = 4320: 1792 more parameters.
        // Per pixel 3 x 288 + 3 x 1024 = 3936 against 1024 + 288 + 1024 = 2336: 1600 x 3136 = 5,017,600 more.
        var (p2, m2) = Count($"oneshot:{Replace(Zeros20, 1, "3")}:scales={Ones20}");
        Assert.Equal((1792L, 5_017_600L), (p2 - p0, m2 - m0));

        // Scale 1.0 -> 0.2: mid 32 -> int(32 x 0.2) = 6. The block holds 32m + 2m + 9m + 2m + 32m + 64 = 77m + 64
        // parameters and 73m x 3136 multiply-adds: 77 x 26 = 2002 and 73 x 26 x 3136 = 5,952,128 fewer.
        var (p3, m3) = Count($"oneshot:{Zeros20}:scales={Replace(Ones20, 1, "0.2")}");
        Assert.Equal((-2002L, -5_952_128L), (p3 - p0, m3 - m0));
    }

    [Fact]
    public void V2PlusAndDetNasBlockChangesCostWhatTheyCostByHand()
    {
        // V2+ medium, block 9 (stage 3, stride 1, 14x14, out 256: branch 128 -> 128, mid 128, with SE): shuffle 3x3 -> 7x7
        // grows only the depthwise conv: 128 x (49 - 9) = 5120 weights, 5120 x 196 = 1,003,520 multiply-adds.
        var (v0, vm0) = Count($"v2plus:{Zeros20}:width=medium");
        var (v1, vm1) = Count($"v2plus:{Replace(Zeros20, 9, "2")}:width=medium");
        Assert.Equal((5120L, 1_003_520L), (v1 - v0, vm1 - vm0));

        // DetNAS 300m, block 0 (stride 2; 16 channels in at 112x112, out 64: o = 48, mid = 32, output 56x56).
        // Shuffle 3x3: 1x1 16->32 (512 + 64) at 112x112, dw 3x3/2 (288 + 64), 1x1 32->48 (1536 + 96): 2560 parameters,
        //   512 x 12544 + (288 + 1536) x 3136 = 12,142,592 multiply-adds.
        // Xception: dw 3x3/2 on 16 (144 + 32), 1x1 16->32 (512 + 64), dw (288 + 64), 1x1 32->32 (1024 + 64), dw (288 + 64),
        //   1x1 32->48 (1536 + 96): 4176 parameters; all at 56x56: 3792 x 3136 = 11,891,712 multiply-adds.
        // The projection branch (3x3 in both) is unchanged: +1616 parameters, -250,880 multiply-adds.
        var (d0, dm0) = Count($"detnas:{Zeros20}");
        var (d1, dm1) = Count($"detnas:{Replace(Zeros20, 0, "3")}");
        Assert.Equal((1616L, -250_880L), (d1 - d0, dm1 - dm0));
    }

    [Theory]
    [InlineData("oneshot:0,0,3:scales=1.0,1.0,1.0", "takes 20 block choices", "got 3")]
    [InlineData("detnas:0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,4", "entry 19 = 4", "0, 1, 2 = shuffle")]
    [InlineData("detnas:0,0,3,1,1,1,0,0,2,0,2,-1,1,0,2,0,2,1,3,2", "entry 11 = -1", "block choice")]
    [InlineData("detnas:0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2:width=1.3g", "width 1.3g takes 40 block choices", "got 20")]
    [InlineData("detnas:0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2:width=2g", "width '2g'", "300m, 1.3g, 3.8g")]
    [InlineData("detnas:0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3", "19 choices", "40 with width=1.3g")]
    [InlineData("detnas:0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2:scales=1.0", "scales= is OneShot's", "detnas")]
    [InlineData("v2plus:0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2", "needs width=", "small, medium, large")]
    [InlineData("v2plus:3,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2:width=small", "entry 0 = 3 (Xception)", "stride-2")]
    [InlineData("v2plus:0,0,3,1,1,1,0,0,3,0,2,1,1,0,2,0,2,1,3,2:width=small", "entry 8 = 3 (Xception)", "entries 0, 4, 8, 16")]
    [InlineData("v2plus:0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,3,1,3,2:width=small", "entry 16 = 3 (Xception)", "stride-2")]
    [InlineData("oneshot:0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2", "needs scales=", "0.2, 0.4")]
    [InlineData("oneshot:0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2:scales=1.0", "takes 20 channel scales", "got 1")]
    [InlineData("oneshot:0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2:scales=1.4,1.2,0.8,1.2,0.6,1.4,0.8,1.0,0.6,1.2,1.6,1.2,1.0,1.4,1.6,1.0,1.0,1.2,1.0,1.8",
        "scales entry 19 = 1.8", "0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6")]
    [InlineData("oneshot:0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2:scales=1.4,x", "scales entry 1 = 'x'", "not a number")]
    [InlineData("oneshot:0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2:scales=1.4:width=1.0", "takes no width=", "oneshot")]
    [InlineData("oneshot:0,a", "entry 1 = 'a'", "block choice")]
    [InlineData("detnas:0,0:depth=3", "'depth=3'", "scales, width, classes")]
    [InlineData("detnas:0,0:classes=0", "classes = '0'", "positive")]
    [InlineData("detnas:0:width=300m:width=1.3g", "width is given twice", "detnas")]
    [InlineData("v1:0,0", "FAMILY:CHOICES", "v2plus, oneshot, detnas")]
    public void CandidatesOutsideTheSpaceAreTypedErrorsNamingTheEntry(string text, string names, string explains)
    {
        var e = Assert.Throws<CandidateException>(() => CandidateSpec.Parse(text));
        Assert.Contains(names, e.Message);
        Assert.Contains(explains, e.Message);
        Assert.StartsWith($"candidate '{text}': ", e.Message);
    }

    [Fact]
    public void EveryChoiceIsAllowedWhereTheFamilyAllowsIt()
    {
        // Xception at a stride-2 block is valid in OneShot (only its first depthwise conv strides) and DetNAS.
        Assert.Equal(3, CandidateSpec.Parse($"oneshot:{Replace(Zeros20, 0, "3")}:scales={Ones20}").Config.Choices![0]);
        Assert.Equal(3, CandidateSpec.Parse($"detnas:{Replace(Zeros20, 4, "3")}").Config.Choices![4]);
        // V2+ allows it on every stride-1 block.
        foreach (int block in Enumerable.Range(0, 20).Except([0, 4, 8, 16]))
            Assert.Equal(3, CandidateSpec.Parse($"v2plus:{Replace(Zeros20, block, "3")}:width=large").Config.Choices![block]);
        // Every scale choice, odd mids included: int(32 x 0.6) = 19.
        var mids = CandidateSpec.Parse($"oneshot:{Zeros20}:scales={Replace(Ones20, 0, "0.6")}").Config.MidChannels!;
        Assert.Equal(19, mids[0]);
    }

    [Fact]
    public void CanonicalTextNormalisesSpacingCaseAndNumbers()
    {
        var c = CandidateSpec.Parse($"OneShot:{Zeros20.Replace(",", ", ")}:Scales={Ones20.Replace("1.0", "1.00")}:classes=10");
        Assert.Equal($"oneshot:{Zeros20}:scales={Ones20}:classes=10", c.Text);
        Assert.Equal(10, c.Config.NumClasses);
        Assert.Equal($"detnas:{Zeros20}:width=300m", CandidateSpec.Parse($"detnas:{Zeros20}").Text);
        Assert.True(CandidateSpec.IsCandidate("detnas:0"));
        Assert.False(CandidateSpec.IsCandidate("oneshot"));
        Assert.False(CandidateSpec.IsCandidate("C:/models/v2.safetensors"));
    }
}
