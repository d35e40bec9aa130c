using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Networks.Families;

/// <summary>Where an Xception block's second and third depthwise convolutions take the block's stride.</summary>
internal enum XceptionStride
{
    /// <summary>ShuffleNetV2+: all three depthwise convolutions take the stride (so only stride 1 is valid).</summary>
    AllDepthwise,
    /// <summary>OneShot and DetNAS: only the first one does.</summary>
    FirstOnly,
}

/// <summary>The upstream tensor names of one split-shuffle block; the math is the same in every family that uses it.</summary>
internal interface IShuffleBlockNames
{
    /// <summary>Shuffle choice, steps 0..2: 1x1 (in to mid), depthwise k, 1x1 (mid to o).</summary>
    ConvNames Shuffle(int step);
    /// <summary>Xception choice, steps 0..5: dw, 1x1, dw, 1x1, dw, 1x1.</summary>
    ConvNames Xception(int step);
    /// <summary>Stride-2 projection, steps 0..1: depthwise k, 1x1.</summary>
    ConvNames Projection(int step);
    /// <summary>Prefix of the squeeze-excitation module (<c>SE_opr.{1,2,4}</c> below it), given the block choice.</summary>
    string SqueezeExcitation(int choice);
}

/// <summary>
/// The ShuffleNetV2 block shared by V2, V2+, OneShot and DetNAS. Stride 1: <c>proj, x = split-shuffle(input)</c>,
/// out = <c>cat(proj, main(x))</c>. Stride 2: out = <c>cat(proj_branch(input), main(input))</c>. The main branch is a
/// shuffle unit (1x1, depthwise k, 1x1) or an Xception unit (three depthwise+1x1 pairs), optionally followed by SE.
/// Both branches write straight into their slice of the block output; the inputs are read through channel views.
/// </summary>
internal sealed record SplitShuffleBlock(
    int In, int Out, int Mid, int Choice, int Stride, Activation Activation, bool SqueezeExcitation, XceptionStride XceptionStride)
{
    public int Append(GraphBuilder b, int input, IShuffleBlockNames names)
    {
        var x = b[input];
        int o = Out - In;
        int h = (x.Height - 1) / Stride + 1, w = (x.Width - 1) / Stride + 1;
        int output = b.NewTensor(Out, h, w);
        TensorRead mainInput;
        if (Stride == 1)
        {
            if (x.Channels != 2 * In)
                throw new ArchitectureException($"block reads {x.Channels} channels, expected 2 x {In} for a stride-1 split-shuffle");
            b.Copy(new TensorRead(input, ChannelView.SplitEven), In, new TensorWrite(output, 0));
            mainInput = new TensorRead(input, ChannelView.SplitOdd);
        }
        else
        {
            int k = BlockChoice.KernelSize(Choice);
            int dw = b.Depthwise(names.Projection(0), input, In, k, Stride);
            b.Conv(names.Projection(1), dw, In, In, 1, 1, 1, Activation, new TensorWrite(output, 0));
            mainInput = input;
        }

        var mainOut = new TensorWrite(output, In);
        TensorWrite? direct = SqueezeExcitation ? null : mainOut;
        int main = Choice == BlockChoice.Xception ? AppendXception(b, mainInput, names, o, direct) : AppendShuffle(b, mainInput, names, o, direct);
        if (SqueezeExcitation) AppendSqueezeExcitation(b, names.SqueezeExcitation(Choice), main, o, mainOut);
        return output;
    }

    int AppendShuffle(GraphBuilder b, TensorRead input, IShuffleBlockNames names, int o, TensorWrite? into)
    {
        int k = BlockChoice.KernelSize(Choice);
        int t = b.Conv(names.Shuffle(0), input, In, Mid, 1, 1, 1, Activation);
        t = b.Depthwise(names.Shuffle(1), t, Mid, k, Stride);
        return b.Conv(names.Shuffle(2), t, Mid, o, 1, 1, 1, Activation, into);
    }

    int AppendXception(GraphBuilder b, TensorRead input, IShuffleBlockNames names, int o, TensorWrite? into)
    {
        int laterStride = XceptionStride == XceptionStride.AllDepthwise ? Stride : 1;
        int t = b.Depthwise(names.Xception(0), input, In, 3, Stride);
        t = b.Conv(names.Xception(1), t, In, Mid, 1, 1, 1, Activation);
        t = b.Depthwise(names.Xception(2), t, Mid, 3, laterStride);
        t = b.Conv(names.Xception(3), t, Mid, Mid, 1, 1, 1, Activation);
        t = b.Depthwise(names.Xception(4), t, Mid, 3, laterStride);
        return b.Conv(names.Xception(5), t, Mid, o, 1, 1, 1, Activation, into);
    }

    /// <summary>
    /// ShuffleNetV2+'s <c>SE_opr</c>: GAP, 1x1 conv (C to C/4) + BN + ReLU, 1x1 conv (C/4 to C), hard-sigmoid; multiply.
    /// </summary>
    public static int AppendSqueezeExcitation(GraphBuilder b, string prefix, int input, int channels, TensorWrite? into = null)
    {
        var x = b[input];
        int pooled = x.Height == 1 && x.Width == 1 ? input : b.Pool(PoolKind.GlobalAverage, input, channels);
        int s = b.Conv(new($"{prefix}.SE_opr.1", $"{prefix}.SE_opr.2"), pooled, channels, channels / 4, 1, 1, 1, Activation.Relu);
        s = b.Conv(new($"{prefix}.SE_opr.4", null), s, channels / 4, channels, 1, 1, 1, Activation.HardSigmoid);
        return b.Scale(input, s, null, channels, Activation.None, into);
    }
}

/// <summary>Names of V2, V2+ and OneShot blocks: <c>branch_main.N</c> / <c>branch_proj.N</c>, each conv's BN at N + 1.</summary>
internal sealed class SequentialBlockNames(string prefix) : IShuffleBlockNames
{
    static readonly int[] ShuffleIndex = [0, 3, 5], XceptionIndex = [0, 2, 5, 7, 10, 12], ProjectionIndex = [0, 2];

    ConvNames At(string branch, int index) => new($"{prefix}.{branch}.{index}", $"{prefix}.{branch}.{index + 1}");
    public ConvNames Shuffle(int step) => At("branch_main", ShuffleIndex[step]);
    public ConvNames Xception(int step) => At("branch_main", XceptionIndex[step]);
    public ConvNames Projection(int step) => At("branch_proj", ProjectionIndex[step]);
    public string SqueezeExcitation(int choice) => $"{prefix}.branch_main.{(choice == BlockChoice.Xception ? 15 : 8)}";
}

/// <summary>
/// Names of DetNAS blocks: <c>features.{i}.conv.{j}.interstellar{stage}{letter}_{op}_branch2{a,b,c}[_s]</c>, BN
/// <c>bn{stage}{letter}_{op}_branch2x</c> (or <c>..._s_bn</c> for the depthwise part); projection under <c>proj_conv</c>.
/// </summary>
internal sealed class DetNasBlockNames(string prefix, int stage, int indexInStage, int choice) : IShuffleBlockNames
{
    static readonly string[] Ops = ["shufflenet_3x3", "shufflenet_5x5", "shufflenet_7x7", "xception_3x3"];
    string Tag => $"{stage}{(char)('a' + indexInStage)}";

    ConvNames Spatial(string module, string unit) =>
        new($"{prefix}.{module}.interstellar{Tag}_{unit}_s", $"{prefix}.{module}.interstellar{Tag}_{unit}_s_bn");
    ConvNames Pointwise(string module, string unit) =>
        new($"{prefix}.{module}.interstellar{Tag}_{unit}", $"{prefix}.{module}.bn{Tag}_{unit}");

    public ConvNames Shuffle(int step) => step switch
    {
        0 => Pointwise("conv.0", $"{Ops[choice]}_branch2a"),
        1 => Spatial("conv.1", $"{Ops[choice]}_branch2b"),
        _ => Pointwise("conv.1", $"{Ops[choice]}_branch2b"),
    };

    public ConvNames Xception(int step)
    {
        string unit = $"{Ops[choice]}_branch2{(char)('a' + step / 2)}";
        string module = $"conv.{step / 2}";
        return step % 2 == 0 ? Spatial(module, unit) : Pointwise(module, unit);
    }

    public ConvNames Projection(int step) => step == 0 ? Spatial("proj_conv", "proj") : Pointwise("proj_conv", "proj");
    public string SqueezeExcitation(int choice) => throw new InvalidOperationException("DetNAS blocks have no squeeze-excitation");
}
