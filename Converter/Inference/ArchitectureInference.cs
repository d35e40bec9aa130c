using System.Globalization;
using System.Text.RegularExpressions;
using ShuffleNetGpu.Networks.Config;

namespace ShuffleNetGpu.Converter.Inference;

/// <summary>
/// Decides a checkpoint's family and whole configuration from its tensor names and shapes alone. Only a few shapes
/// are read here; every other tensor is then checked against the graph built from the result
/// (<see cref="CheckpointMatcher"/>), so a contradiction anywhere is still caught and named.
/// </summary>
public static partial class ArchitectureInference
{
    /// <param name="shapes">Upstream tensor names (without <c>module.</c>) and their shapes.</param>
    /// <param name="source">The file name, for error messages.</param>
    public static ModelConfig Infer(IReadOnlyDictionary<string, int[]> shapes, string source)
    {
        var t = new ShapeTable(shapes, source);
        ModelConfig config;
        if (t.Has("first_conv.0.conv.weight"))
        {
            if (t.Has("features.0.0.proj.conv.weight")) config = InferExLarge(t);
            else if (t.Has("features.0.2a.proj.conv.weight")) config = InferLarge(t);
            else throw t.Fail("has a three-conv stem (first_conv.0.conv) but neither ShuffleNetV2.Large's features.0.2a nor ExLarge's features.0.0 blocks");
        }
        else if (t.Has("first_conv.conv.weight")) config = InferDetNas(t);
        else if (t.Has("first_conv.0.weight"))
        {
            if (t.Has("features.0.branch_main_1.0.weight")) config = InferV1(t);
            else config = InferSequentialShuffle(t);
        }
        else throw t.Fail("is not a ShuffleNet-Series state dict: no first_conv.0.weight, first_conv.conv.weight or first_conv.0.conv.weight tensor");
        try { return config.Validate(source); }
        catch (ArchitectureException e) { throw t.Fail($"inferred an invalid configuration: {e.Message}"); }
    }

    /// <summary>Name lookups that fail with a message naming the file and the missing tensor.</summary>
    sealed class ShapeTable(IReadOnlyDictionary<string, int[]> shapes, string source)
    {
        readonly NamePrefixIndex _prefixes = new(shapes.Keys);

        public bool Has(string name) => shapes.ContainsKey(name);
        public bool HasPrefix(string prefix) => _prefixes.Contains(prefix);
        public IEnumerable<string> Names => shapes.Keys;
        public int Count => shapes.Count;

        public int[] Shape(string name, int rank)
        {
            if (!shapes.TryGetValue(name, out var s)) throw Fail($"lacks tensor {name}");
            if (s.Length != rank) throw Fail($"tensor {name} has rank {s.Length}, expected {rank}");
            return s;
        }

        public int Dim(string name, int rank, int axis) => Shape(name, rank)[axis];
        public ArchitectureException Fail(string what) => new($"{source}: {what}");

        /// <summary>How many consecutive <c>{prefix}{i}.</c> blocks exist, i from 0 (one index lookup per block).</summary>
        public int CountBlocks(string prefix)
        {
            int n = 0;
            while (HasPrefix($"{prefix}{n}.")) n++;
            return n;
        }
    }

    /// <summary>Per-block facts read from a checkpoint, then grouped into stages at each stride-2 block.</summary>
    readonly record struct BlockFacts(int Stride, int In, int Out, int Mid, int Choice);

    static (int[] Repeats, int[] Channels) GroupStages(ShapeTable t, IReadOnlyList<BlockFacts> blocks)
    {
        if (blocks.Count == 0) throw t.Fail("has no blocks (features.0...)");
        if (blocks[0].Stride != 2) throw t.Fail("features.0 must be a stride-2 block (it has no projection)");
        var repeats = new List<int>();
        var channels = new List<int>();
        foreach (var b in blocks)
        {
            if (b.Stride == 2) { repeats.Add(0); channels.Add(b.Out); }
            else if (b.Out != channels[^1]) throw t.Fail($"block output width {b.Out} differs from its stage's {channels[^1]}");
            repeats[^1]++;
        }
        return (repeats.ToArray(), channels.ToArray());
    }

    static ModelConfig InferV1(ShapeTable t)
    {
        int stem = t.Dim("first_conv.0.weight", 4, 0);
        int count = t.CountBlocks("features.");
        var blocks = new List<BlockFacts>();
        int channels = stem;
        int groups = 0;
        for (int i = 0; i < count; i++)
        {
            string p = $"features.{i}";
            int mid = t.Dim($"{p}.branch_main_1.0.weight", 4, 0);
            var last = t.Shape($"{p}.branch_main_2.0.weight", 4);
            int o = last[0];
            if (i == 0)
            {
                if (last[1] == 0 || mid % last[1] != 0) throw t.Fail($"tensor {p}.branch_main_2.0.weight has {last[1]} input channels per group, which does not divide {mid}");
                groups = mid / last[1];
            }
            // Stride 1 keeps the width (o == in, mid == in / 4); stride 2 concatenates the pooled input (out = in + o).
            bool strideOne = i > 0 && o == channels && mid == channels / 4;
            int outChannels = strideOne ? channels : channels + o;
            blocks.Add(new(strideOne ? 1 : 2, channels, outChannels, mid, 0));
            channels = outChannels;
        }
        var (repeats, stageChannels) = GroupStages(t, blocks);
        return new ModelConfig
        {
            Family = ModelFamily.V1, NumClasses = t.Dim("classifier.0.weight", 2, 0), StemChannels = [stem],
            StageRepeats = repeats, StageChannels = stageChannels, Groups = groups,
        };
    }

    /// <summary>V2, V2+ and OneShot share the <c>branch_main.N</c>/<c>branch_proj.N</c> naming.</summary>
    static ModelConfig InferSequentialShuffle(ShapeTable t)
    {
        int stem = t.Dim("first_conv.0.weight", 4, 0);
        int count = t.CountBlocks("features.");
        var blocks = new List<BlockFacts>();
        for (int i = 0; i < count; i++)
        {
            string p = $"features.{i}.branch_main";
            bool stride2 = t.Has($"features.{i}.branch_proj.0.weight");
            bool xception = t.Has($"{p}.10.weight");
            int choice, inp, mid, o;
            if (xception)
            {
                choice = BlockChoice.Xception;
                inp = t.Dim($"{p}.0.weight", 4, 0);
                mid = t.Dim($"{p}.2.weight", 4, 0);
                o = t.Dim($"{p}.12.weight", 4, 0);
            }
            else
            {
                int k = t.Dim($"{p}.3.weight", 4, 2);
                choice = k switch
                {
                    3 => BlockChoice.Shuffle3, 5 => BlockChoice.Shuffle5, 7 => BlockChoice.Shuffle7,
                    _ => throw t.Fail($"tensor {p}.3.weight has kernel {k}; blocks use 3, 5 or 7"),
                };
                inp = t.Dim($"{p}.0.weight", 4, 1);
                mid = t.Dim($"{p}.0.weight", 4, 0);
                o = t.Dim($"{p}.5.weight", 4, 0);
            }
            blocks.Add(new(stride2 ? 2 : 1, inp, inp + o, mid, choice));
        }
        var (repeats, channels) = GroupStages(t, blocks);
        int[] choices = blocks.Select(b => b.Choice).ToArray();
        int last = t.Dim("conv_last.0.weight", 4, 0);
        int classes = t.Dim("classifier.0.weight", 2, 0);
        if (t.Has("LastSE.SE_opr.1.weight"))
            return new ModelConfig
            {
                Family = ModelFamily.V2Plus, NumClasses = classes, StemChannels = [stem], StageRepeats = repeats,
                StageChannels = channels, LastChannels = last, Choices = choices,
            };
        // ShuffleNetV2 has three stages of 3x3 shuffle blocks; OneShot has four, with searched choices and widths.
        if (repeats.Length == 3)
        {
            if (choices.Any(c => c != BlockChoice.Shuffle3)) throw t.Fail("has three stages like ShuffleNetV2 but blocks other than shuffle 3x3");
            return new ModelConfig
            {
                Family = ModelFamily.V2, NumClasses = classes, StemChannels = [stem], StageRepeats = repeats,
                StageChannels = channels, LastChannels = last,
            };
        }
        return new ModelConfig
        {
            Family = ModelFamily.OneShot, NumClasses = classes, StemChannels = [stem], StageRepeats = repeats,
            StageChannels = channels, LastChannels = last, Choices = choices, MidChannels = blocks.Select(b => b.Mid).ToArray(),
        };
    }

    // [0-9], not \d: .NET's \d matches every Unicode digit, which int parsing then rejects.
    [GeneratedRegex(@"^features\.([0-9]+)\.conv\.0\.interstellar([0-9]+)([a-z])_(shufflenet_3x3|shufflenet_5x5|shufflenet_7x7|xception_3x3)_branch2a\.weight$")]
    private static partial Regex DetNasUnit();

    static readonly string[] DetNasOps = ["shufflenet_3x3", "shufflenet_5x5", "shufflenet_7x7", "xception_3x3"];

    static ModelConfig InferDetNas(ShapeTable t)
    {
        int stem = t.Dim("first_conv.conv.weight", 4, 0);
        // Blocks are numbered 0, 1, ... and each has its own tensors, so a number of at least the tensor count is
        // never reached (the matcher then names that tensor as not part of the configuration).
        var ops = new (string Tag, int Choice)?[t.Count];
        foreach (var name in t.Names)
        {
            var m = DetNasUnit().Match(name);
            if (m.Success && BlockNumber(t, name, m.Groups[1].Value) is var block && block < ops.Length)
                ops[block] = (m.Groups[2].Value + m.Groups[3].Value, Array.IndexOf(DetNasOps, m.Groups[4].Value));
        }
        int count = t.CountBlocks("features.");
        var blocks = new List<BlockFacts>();
        for (int i = 0; i < count; i++)
        {
            if (ops[i] is not { } op) throw t.Fail($"block features.{i} has no features.{i}.conv.0.interstellar*_branch2a.weight tensor");
            string p = $"features.{i}";
            string unit = $"interstellar{op.Tag}_{DetNasOps[op.Choice]}";
            bool stride2 = t.HasPrefix($"{p}.proj_conv.");
            string lastUnit = op.Choice == BlockChoice.Xception ? $"{p}.conv.2.{unit}_branch2c.weight" : $"{p}.conv.1.{unit}_branch2b.weight";
            int o = t.Dim(lastUnit, 4, 0);
            int firstIn = op.Choice == BlockChoice.Xception ? t.Dim($"{p}.conv.0.{unit}_branch2a_s.weight", 4, 0) : t.Dim($"{p}.conv.0.{unit}_branch2a.weight", 4, 1);
            int inp = stride2 ? t.Dim($"{p}.proj_conv.interstellar{op.Tag}_proj.weight", 4, 0) : 2 * firstIn;
            blocks.Add(new(stride2 ? 2 : 1, inp, stride2 ? inp + o : 2 * o, 0, op.Choice));
        }
        var (repeats, channels) = GroupStages(t, blocks);
        return new ModelConfig
        {
            Family = ModelFamily.DetNas, NumClasses = t.Dim("fc.fc.weight", 2, 0), StemChannels = [stem],
            StageRepeats = repeats, StageChannels = channels, LastChannels = t.Dim("last_conv.conv.weight", 4, 0),
            Choices = blocks.Select(b => b.Choice).ToArray(),
        };
    }

    static int BlockNumber(ShapeTable t, string name, string digits) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int block) ? block
            : throw t.Fail($"tensor {name} has a block number beyond {int.MaxValue}");

    static int[] ThreeConvStem(ShapeTable t) => Enumerable.Range(0, 3).Select(i => t.Dim($"first_conv.{i}.conv.weight", 4, 0)).ToArray();

    static int GroupsOf(ShapeTable t, string groupedConv, int channels)
    {
        int perGroup = t.Dim(groupedConv, 4, 1);
        if (perGroup == 0 || channels % perGroup != 0) throw t.Fail($"tensor {groupedConv} has {perGroup} input channels per group, which does not divide {channels}");
        return channels / perGroup;
    }

    static ModelConfig InferLarge(ShapeTable t)
    {
        var repeats = new List<int>();
        var channels = new List<int>();
        int groups = 0;
        for (int s = 0; t.HasPrefix($"features.{s}."); s++)
        {
            int n = 0;
            while (t.Has($"features.{s}.{s + 2}{(char)('a' + n)}.branch_main.0.conv.weight")) n++;
            if (n == 0) throw t.Fail($"stage features.{s} has no block features.{s}.{s + 2}a");
            string first = $"features.{s}.{s + 2}a.branch_main";
            int outp = t.Dim($"{first}.0.conv.weight", 4, 0);
            if (s == 0) groups = GroupsOf(t, $"{first}.1.conv.weight", outp);
            repeats.Add(n);
            channels.Add(2 * outp);
        }
        return new ModelConfig
        {
            Family = ModelFamily.Large, NumClasses = t.Dim("fc.weight", 2, 0), StemChannels = ThreeConvStem(t),
            StageRepeats = repeats.ToArray(), StageChannels = channels.ToArray(), LastChannels = t.Dim("conv_last.conv.weight", 4, 0), Groups = groups,
        };
    }

    static ModelConfig InferExLarge(ShapeTable t)
    {
        var repeats = new List<int>();
        var channels = new List<int>();
        int groups = 0;
        for (int s = 0; t.HasPrefix($"features.{s}."); s++)
        {
            int n = 0;
            while (t.Has($"features.{s}.{n}.branch_main.0.conv.weight")) n++;
            if (n == 0) throw t.Fail($"stage features.{s} has no block features.{s}.0");
            int o = t.Dim($"features.{s}.0.branch_main.0.conv.weight", 4, 0);
            if (s == 0) groups = GroupsOf(t, $"features.{s}.0.branch_main.1.conv.weight", o);
            repeats.Add(n);
            channels.Add(o);
        }
        return new ModelConfig
        {
            Family = ModelFamily.ExLarge, NumClasses = t.Dim("fc.fc.weight", 2, 0), StemChannels = ThreeConvStem(t),
            StageRepeats = repeats.ToArray(), StageChannels = channels.ToArray(), Groups = groups,
        };
    }
}
