using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Networks.Families;

/// <summary>Builds the graph of any configuration. Each family's stem, stages and head are in its own builder.</summary>
public static class GraphFactory
{
    /// <summary>Validates <paramref name="config"/> (<see cref="ModelConfig.Validate"/>), then builds its graph.</summary>
    /// <exception cref="ArchitectureException">a field breaks its bounds or the family's rules, or the model would
    /// exceed <see cref="ModelConfig.MaxParameters"/>.</exception>
    public static NetworkGraph Build(ModelConfig config)
    {
        config.Validate();
        var b = new GraphBuilder();
        int output = config.Family switch
        {
            ModelFamily.V1 => ShuffleNetV1Builder.Append(b, config),
            ModelFamily.V2 or ModelFamily.V2Plus or ModelFamily.OneShot or ModelFamily.DetNas => SplitShuffleNetBuilder.Append(b, config),
            ModelFamily.Large => ShuffleNetV2LargeBuilder.Append(b, config),
            ModelFamily.ExLarge => ShuffleNetV2ExLargeBuilder.Append(b, config),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Family, "unknown family"),
        };
        var graph = b.Build(config, output);
        if (graph.Parameters > ModelConfig.MaxParameters)
            throw new ArchitectureException($"configuration: {graph.Parameters:N0} parameters, more than the {ModelConfig.MaxParameters:N0} a model may have");
        return graph;
    }

    /// <summary>Conv + BN (+ activation) named <c>{prefix}.{conv}</c>/<c>{prefix}.{conv + 1}</c>, as in <c>nn.Sequential</c> stems.</summary>
    internal static ConvNames Sequential(string prefix, int convIndex) => new($"{prefix}.{convIndex}", $"{prefix}.{convIndex + 1}");

    /// <summary>Large/ExLarge/DetNAS <c>Conv_BN_ReLU</c> modules: <c>{prefix}.conv</c> and <c>{prefix}.bn</c>.</summary>
    internal static ConvNames ConvBn(string prefix) => new($"{prefix}.conv", $"{prefix}.bn");

    /// <summary>The head's <c>AvgPool2d(7)</c>: a global average at 224x224, marked so other sizes can be checked.</summary>
    internal static int GlobalPool(GraphBuilder b, int input, string name) =>
        b.HeadPool(b.Name(b.Pool(PoolKind.GlobalAverage, input, b[input].Channels), name));
}

/// <summary>ShuffleNetV2, V2+, OneShot and DetNAS: one stem conv, stages of <see cref="SplitShuffleBlock"/>, conv_last, head.</summary>
static class SplitShuffleNetBuilder
{
    public static int Append(GraphBuilder b, ModelConfig c)
    {
        bool detNas = c.Family == ModelFamily.DetNas;
        var stemAct = c.Family == ModelFamily.V2Plus ? Activation.HardSwish : Activation.Relu;
        int stem = c.StemChannels[0];
        int x = detNas
            ? b.Conv(GraphFactory.ConvBn("first_conv"), 0, 3, stem, 3, 2, 1, Activation.Relu, ownBias: true)
            : b.Conv(GraphFactory.Sequential("first_conv", 0), 0, 3, stem, 3, 2, 1, stemAct);
        b.Name(x, "first_conv");
        if (c.Family == ModelFamily.V2) x = b.Name(b.Pool(PoolKind.Max3x3S2, x, stem), "maxpool");
        b.StageEnd(x);

        int channels = stem, index = 0;
        for (int s = 0; s < c.StageRepeats.Length; s++)
        {
            int outChannels = c.StageChannels[s];
            for (int i = 0; i < c.StageRepeats[s]; i++, index++)
            {
                int stride = i == 0 ? 2 : 1;
                int inp = stride == 2 ? channels : outChannels / 2;
                int choice = c.Choices?[index] ?? BlockChoice.Shuffle3;
                int mid = c.MidChannels?[index] ?? outChannels / 2;
                var act = c.Family == ModelFamily.V2Plus && s >= 1 ? Activation.HardSwish : Activation.Relu;
                bool se = c.Family == ModelFamily.V2Plus && s >= 2;
                var rule = c.Family == ModelFamily.V2Plus ? XceptionStride.AllDepthwise : XceptionStride.FirstOnly;
                string prefix = $"features.{index}";
                IShuffleBlockNames names = detNas ? new DetNasBlockNames(prefix, s + 1, i, choice) : new SequentialBlockNames(prefix);
                x = b.Name(new SplitShuffleBlock(inp, outChannels, mid, choice, stride, act, se, rule).Append(b, x, names), prefix);
                channels = outChannels;
            }
            b.StageEnd(x);
        }
        b.Name(x, "features");

        var lastAct = c.Family == ModelFamily.V2Plus ? Activation.HardSwish : Activation.Relu;
        x = detNas
            ? b.Name(b.Conv(GraphFactory.ConvBn("last_conv"), x, channels, c.LastChannels, 1, 1, 1, Activation.Relu, ownBias: true), "last_conv")
            : b.Name(b.Conv(GraphFactory.Sequential("conv_last", 0), x, channels, c.LastChannels, 1, 1, 1, lastAct), "conv_last");
        x = GraphFactory.GlobalPool(b, x, detNas ? "global_pool" : "globalpool");

        switch (c.Family)
        {
            case ModelFamily.V2Plus:
                x = b.Name(SplitShuffleBlock.AppendSqueezeExcitation(b, "LastSE", x, c.LastChannels), "LastSE");
                x = b.Name(b.Linear("fc.0", false, x, c.LastChannels, c.LastChannels, Activation.HardSwish), "fc");
                return b.Name(b.Linear("classifier.0", false, x, c.LastChannels, c.NumClasses, Activation.None), "classifier");
            case ModelFamily.DetNas:
                return b.Name(b.Linear("fc.fc", true, x, c.LastChannels, c.NumClasses, Activation.None), "fc");
            default:
                return b.Name(b.Linear("classifier.0", false, x, c.LastChannels, c.NumClasses, Activation.None), "classifier");
        }
    }
}

/// <summary>ShuffleNetV1: grouped 1x1 convolutions, group shuffle, residual add or average-pool concat.</summary>
static class ShuffleNetV1Builder
{
    public static int Append(GraphBuilder b, ModelConfig c)
    {
        int g = c.Groups, stem = c.StemChannels[0];
        int x = b.Name(b.Conv(GraphFactory.Sequential("first_conv", 0), 0, 3, stem, 3, 2, 1, Activation.Relu), "first_conv");
        x = b.StageEnd(b.Name(b.Pool(PoolKind.Max3x3S2, x, stem), "maxpool"));
        int channels = stem, index = 0;
        for (int s = 0; s < c.StageRepeats.Length; s++)
        {
            int outChannels = c.StageChannels[s];
            for (int i = 0; i < c.StageRepeats[s]; i++, index++)
            {
                string p = $"features.{index}";
                int stride = i == 0 ? 2 : 1;
                int mid = outChannels / 4;
                int o = stride == 2 ? outChannels - channels : outChannels;
                int firstGroups = index == 0 ? 1 : g;
                var inTensor = b[x];
                int h = (inTensor.Height - 1) / stride + 1, w = (inTensor.Width - 1) / stride + 1;
                int t = b.Conv(GraphFactory.Sequential($"{p}.branch_main_1", 0), x, channels, mid, 1, 1, firstGroups, Activation.Relu);
                t = b.Depthwise(GraphFactory.Sequential($"{p}.branch_main_1", 3), t, mid, 3, stride);
                // The group shuffle between the two halves is the second 1x1 convolution's input view.
                var shuffled = new TensorRead(t, ChannelView.GroupShuffle(g, mid));
                var last = GraphFactory.Sequential($"{p}.branch_main_2", 0);
                int y;
                if (stride == 2)
                {
                    y = b.NewTensor(outChannels, h, w);
                    b.Pool(PoolKind.Avg3x3S2, x, channels, new TensorWrite(y, 0));
                    b.Conv(last, shuffled, mid, o, 1, 1, g, Activation.Relu, new TensorWrite(y, channels));
                }
                else
                {
                    int branch = b.Conv(last, shuffled, mid, o, 1, 1, g, Activation.None);
                    y = b.Add(branch, x, outChannels, Activation.Relu);
                }
                x = b.Name(y, p);
                channels = outChannels;
            }
            b.StageEnd(x);
        }
        b.Name(x, "features");
        x = GraphFactory.GlobalPool(b, x, "globalpool");
        return b.Name(b.Linear("classifier.0", false, x, channels, c.NumClasses, Activation.None), "classifier");
    }
}

/// <summary>ShuffleNetV2.Large: three-conv stem, SE blocks with grouped 3x3, a <c>down</c> conv after stride 2.</summary>
static class ShuffleNetV2LargeBuilder
{
    public static int Append(GraphBuilder b, ModelConfig c)
    {
        int x = LargeStem.Append(b, c);
        int channels = c.StemChannels[^1];
        for (int s = 0; s < c.StageRepeats.Length; s++)
        {
            int outChannels = c.StageChannels[s] / 2; // the block's out_channels = 2 x mid_outputs
            for (int i = 0; i < c.StageRepeats[s]; i++)
            {
                string p = $"features.{s}.{s + 2}{(char)('a' + i)}";
                int stride = s > 0 && i == 0 ? 2 : 1;
                x = b.Name(AppendBlock(b, p, x, channels / 2, outChannels, stride, c.Groups, hasProjection: i == 0), p);
                channels = 2 * outChannels;
            }
            b.StageEnd(b.Name(x, $"features.{s}"));
        }
        x = b.Name(b.Conv(GraphFactory.ConvBn("conv_last"), x, channels, c.LastChannels, 3, 1, 1, Activation.Relu), "conv_last");
        x = GraphFactory.GlobalPool(b, x, "globalpool");
        return b.Name(b.Linear("fc", true, x, c.LastChannels, c.NumClasses, Activation.None), "fc");
    }

    static int AppendBlock(GraphBuilder b, string p, int input, int inp, int outp, int stride, int groups, bool hasProjection)
    {
        var proj = new TensorRead(input, ChannelView.SplitEven);
        var x = new TensorRead(input, ChannelView.SplitOdd);
        var src = b[input];
        int h = (src.Height - 1) / stride + 1, w = (src.Width - 1) / stride + 1;
        int cat = b.NewTensor(2 * outp, h, w);
        // ReLU(cat(proj, x)) is applied by each half's own epilogue.
        if (hasProjection) b.Conv(GraphFactory.ConvBn($"{p}.proj"), proj, inp, outp, 3, stride, 1, Activation.Relu, new TensorWrite(cat, 0));
        else b.Copy(proj, outp, new TensorWrite(cat, 0), Activation.Relu);

        int t = b.Conv(GraphFactory.ConvBn($"{p}.branch_main.0"), x, inp, outp, 1, 1, 1, Activation.Relu);
        t = b.Conv(GraphFactory.ConvBn($"{p}.branch_main.1"), t, outp, outp, 3, stride, groups, Activation.Relu);
        t = b.Conv(GraphFactory.ConvBn($"{p}.branch_main.2"), t, outp, outp, 1, 1, 1, Activation.None);
        int gate = b.Pool(PoolKind.GlobalAverage, t, outp);
        gate = b.Linear($"{p}.se_fc1", true, gate, outp, outp, Activation.Relu);
        gate = b.Linear($"{p}.se_fc2", true, gate, outp, outp, Activation.Sigmoid);
        foreach (var part in new[] { ".weight", ".bias" })
        {
            b.Alias($"{p}.se_block.0{part}", $"{p}.se_fc1{part}");
            b.Alias($"{p}.se_block.2{part}", $"{p}.se_fc2{part}");
        }
        b.Scale(t, gate, hasProjection ? null : x, outp, Activation.Relu, new TensorWrite(cat, outp));
        if (stride == 1) return cat;
        return b.Conv(GraphFactory.ConvBn($"{p}.down"), cat, 2 * outp, 2 * outp, 1, 1, 1, Activation.Relu);
    }
}

/// <summary>The three-conv stem and max pool of Large and ExLarge (<c>first_conv.{0,1,2}</c>).</summary>
static class LargeStem
{
    public static int Append(GraphBuilder b, ModelConfig c)
    {
        int x = 0, channels = 3;
        for (int i = 0; i < c.StemChannels.Length; i++)
        {
            x = b.Conv(GraphFactory.ConvBn($"first_conv.{i}"), x, channels, c.StemChannels[i], 3, i == 0 ? 2 : 1, 1, Activation.Relu);
            channels = c.StemChannels[i];
        }
        b.Name(x, "first_conv");
        return b.StageEnd(b.Name(b.Pool(PoolKind.Max3x3S2, x, channels), "maxpool"));
    }
}

/// <summary>ShuffleNetV2.ExLarge: SE blocks with grouped 3x3 and an extra depthwise conv; each stage ends with a 1x1 conv.</summary>
static class ShuffleNetV2ExLargeBuilder
{
    public static int Append(GraphBuilder b, ModelConfig c)
    {
        int x = LargeStem.Append(b, c);
        int channels = c.StemChannels[^1];
        for (int s = 0; s < c.StageRepeats.Length; s++)
        {
            int o = c.StageChannels[s];
            for (int i = 0; i < c.StageRepeats[s]; i++)
            {
                string p = $"features.{s}.{i}";
                int stride = s > 0 && i == 0 ? 2 : 1;
                x = b.Name(AppendBlock(b, p, x, i == 0 ? channels : o / 2, o, stride, c.Groups, hasProjection: i == 0), p);
            }
            x = b.Conv(GraphFactory.ConvBn($"features.{s}.{c.StageRepeats[s]}"), x, o, o, 1, 1, 1, Activation.Relu);
            b.StageEnd(b.Name(x, $"features.{s}"));
            channels = o;
        }
        x = GraphFactory.GlobalPool(b, x, "globalpool");
        return b.Name(b.Linear("fc.fc", true, x, channels, c.NumClasses, Activation.None), "fc");
    }

    static int AppendBlock(GraphBuilder b, string p, int input, int inp, int outp, int stride, int groups, bool hasProjection)
    {
        int mid = outp / 2;
        var src = b[input];
        int h = (src.Height - 1) / stride + 1, w = (src.Width - 1) / stride + 1;
        int cat = b.NewTensor(outp, h, w);
        TensorRead x;
        if (hasProjection)
        {
            // With a projection both paths read the whole input (no split).
            b.Conv(GraphFactory.ConvBn($"{p}.proj"), input, inp, outp - mid, 3, stride, 1, Activation.Relu, new TensorWrite(cat, 0));
            x = input;
        }
        else
        {
            b.Copy(new TensorRead(input, ChannelView.SplitEven), outp - mid, new TensorWrite(cat, 0));
            x = new TensorRead(input, ChannelView.SplitOdd);
        }
        int t = b.Conv(GraphFactory.ConvBn($"{p}.branch_main.0"), x, inp, outp, 1, 1, 1, Activation.Relu);
        t = b.Conv(GraphFactory.ConvBn($"{p}.branch_main.1"), t, outp, outp, 3, stride, groups, Activation.Relu);
        t = b.Depthwise(GraphFactory.ConvBn($"{p}.branch_main.2"), t, outp, 3, 1);
        t = b.Conv(GraphFactory.ConvBn($"{p}.branch_main.3"), t, outp, mid, 1, 1, 1, Activation.None);
        int gate = b.Pool(PoolKind.GlobalAverage, t, mid);
        gate = b.Linear($"{p}.se_fc1.fc", true, gate, mid, mid / 4, Activation.Relu);
        gate = b.Linear($"{p}.se_fc2.fc", true, gate, mid / 4, mid, Activation.Sigmoid);
        foreach (var part in new[] { ".weight", ".bias" })
        {
            b.Alias($"{p}.se_block.0.fc{part}", $"{p}.se_fc1.fc{part}");
            b.Alias($"{p}.se_block.2.fc{part}", $"{p}.se_fc2.fc{part}");
        }
        // Without a projection: x = ReLU(x_in + x * se); with one, x * se as it is.
        b.Scale(t, gate, hasProjection ? null : x, mid, hasProjection ? Activation.None : Activation.Relu, new TensorWrite(cat, outp - mid));
        return cat;
    }
}
