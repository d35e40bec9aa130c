using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Tests.Reference;

/// <summary>
/// The independent oracle for the kernels and the runtime: the graph executed with plain loops and double
/// accumulation, sharing no code with Kernels/ or Runtime/. Slow on purpose; kept in Tests only.
/// </summary>
public static class ReferenceExecutor
{
    /// <summary>Runs the graph on <paramref name="n"/> NCHW images; returns every tensor ([n, C, H, W] each). With
    /// <paramref name="tf32Round"/>, the 1x1 convolutions the TF32 kernel takes round both operands with it and sum in
    /// float32 (the TF32 emulation of issue 16).</summary>
    public static float[][] Run(ModelWeights weights, float[] input, int n, Func<float, float>? tf32Round = null)
    {
        var g = weights.Graph;
        var values = new float[g.Tensors.Count][];
        for (int i = 0; i < values.Length; i++) values[i] = new float[n * g.Tensors[i].ElementsPerImage];
        input.CopyTo(values[0], 0);
        foreach (var op in g.Ops)
        {
            var outInfo = g.Tensors[op.Output.Tensor];
            var output = values[op.Output.Tensor];
            switch (op)
            {
                case ConvOp c when tf32Round is not null && ShuffleNetGpu.Runtime.Execution.DeviceWeights.IsPacked(c):
                    Tf32Pointwise(c, weights, g, values, n, outInfo, output, tf32Round); break;
                case ConvOp c: Conv(c, weights, g, values, n, outInfo, output); break;
                case LinearOp l:
                {
                    var w = weights[l.Name + ".weight"];
                    var b = l.HasBias ? weights[l.Name + ".bias"] : null;
                    for (int img = 0; img < n; img++)
                        for (int o = 0; o < l.OutFeatures; o++)
                        {
                            double s = b?[o] ?? 0;
                            for (int i = 0; i < l.InFeatures; i++) s += (double)w[o * l.InFeatures + i] * Read(g, values, l.Input, img, i, 0, 0);
                            output[Index(outInfo, img, op.Output.ChannelOffset + o, 0, 0)] = Act(l.Activation, s);
                        }
                    break;
                }
                case PoolOp p:
                {
                    var src = g.Tensors[p.Input.Tensor];
                    for (int img = 0; img < n; img++)
                        for (int c = 0; c < p.Channels; c++)
                            for (int y = 0; y < outInfo.Height; y++)
                                for (int x = 0; x < outInfo.Width; x++)
                                {
                                    double r;
                                    if (p.Kind == PoolKind.GlobalAverage)
                                    {
                                        r = 0;
                                        for (int iy = 0; iy < src.Height; iy++)
                                            for (int ix = 0; ix < src.Width; ix++) r += Read(g, values, p.Input, img, c, iy, ix);
                                        r /= src.Height * src.Width;
                                    }
                                    else
                                    {
                                        r = p.Kind == PoolKind.Max3x3S2 ? double.NegativeInfinity : 0;
                                        for (int ky = 0; ky < 3; ky++)
                                            for (int kx = 0; kx < 3; kx++)
                                            {
                                                int iy = y * 2 - 1 + ky, ix = x * 2 - 1 + kx;
                                                if (iy < 0 || ix < 0 || iy >= src.Height || ix >= src.Width) continue;
                                                double v = Read(g, values, p.Input, img, c, iy, ix);
                                                r = p.Kind == PoolKind.Max3x3S2 ? Math.Max(r, v) : r + v;
                                            }
                                        if (p.Kind == PoolKind.Avg3x3S2) r /= 9; // padding counted
                                    }
                                    output[Index(outInfo, img, op.Output.ChannelOffset + c, y, x)] = (float)r;
                                }
                    break;
                }
                case ScaleOp s:
                    Elementwise(g, values, n, s.Channels, outInfo, op.Output, (img, c, y, x) =>
                        Act(s.Activation, (double)Read(g, values, s.Input, img, c, y, x) * Read(g, values, s.Gate, img, c, 0, 0)
                            + (s.Residual is { } r ? Read(g, values, r, img, c, y, x) : 0)));
                    break;
                case AddOp a:
                    Elementwise(g, values, n, a.Channels, outInfo, op.Output, (img, c, y, x) =>
                        Act(a.Activation, (double)Read(g, values, a.A, img, c, y, x) + Read(g, values, a.B, img, c, y, x)));
                    break;
                case CopyOp c:
                    Elementwise(g, values, n, c.Channels, outInfo, op.Output, (img, ch, y, x) => Act(c.Activation, Read(g, values, c.Input, img, ch, y, x)));
                    break;
                default: throw new NotSupportedException(op.GetType().Name);
            }
        }
        return values;
    }

    static void Conv(ConvOp c, ModelWeights weights, NetworkGraph g, float[][] values, int n, TensorInfo outInfo, float[] output)
    {
        var w = weights[c.Name + ".weight"];
        var b = weights[c.Name + ".bias"];
        var src = g.Tensors[c.Input.Tensor];
        int inPerGroup = c.InChannels / c.Groups, outPerGroup = c.OutChannels / c.Groups, k = c.Kernel, pad = k / 2;
        for (int img = 0; img < n; img++)
            for (int o = 0; o < c.OutChannels; o++)
            {
                int group = o / outPerGroup;
                for (int y = 0; y < outInfo.Height; y++)
                    for (int x = 0; x < outInfo.Width; x++)
                    {
                        double s = b[o];
                        for (int i = 0; i < inPerGroup; i++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int iy = y * c.Stride - pad + ky, ix = x * c.Stride - pad + kx;
                                    if (iy < 0 || ix < 0 || iy >= src.Height || ix >= src.Width) continue;
                                    s += (double)w[((o * inPerGroup + i) * k + ky) * k + kx] * Read(g, values, c.Input, img, group * inPerGroup + i, iy, ix);
                                }
                        output[Index(outInfo, img, c.Output.ChannelOffset + o, y, x)] = Act(c.Activation, s);
                    }
            }
    }

    static void Tf32Pointwise(ConvOp c, ModelWeights weights, NetworkGraph g, float[][] values, int n, TensorInfo outInfo, float[] output,
        Func<float, float> round)
    {
        var w = weights[c.Name + ".weight"];
        var b = weights[c.Name + ".bias"];
        int inPerGroup = c.InChannels / c.Groups, outPerGroup = c.OutChannels / c.Groups;
        for (int img = 0; img < n; img++)
            for (int o = 0; o < c.OutChannels; o++)
                for (int y = 0; y < outInfo.Height; y++)
                    for (int x = 0; x < outInfo.Width; x++)
                    {
                        float s = 0;
                        for (int i = 0; i < inPerGroup; i++)
                            s += round(w[o * inPerGroup + i]) * round(Read(g, values, c.Input, img, o / outPerGroup * inPerGroup + i, y, x));
                        output[Index(outInfo, img, c.Output.ChannelOffset + o, y, x)] = Act(c.Activation, (double)s + b[o]);
                    }
    }

    static void Elementwise(NetworkGraph g, float[][] values, int n, int channels, TensorInfo outInfo, TensorWrite output, Func<int, int, int, int, float> f)
    {
        var dst = values[output.Tensor];
        for (int img = 0; img < n; img++)
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < outInfo.Height; y++)
                    for (int x = 0; x < outInfo.Width; x++)
                        dst[Index(outInfo, img, output.ChannelOffset + c, y, x)] = f(img, c, y, x);
    }

    static long Index(TensorInfo t, int img, int c, int y, int x) => ((long)(img * t.Channels + c) * t.Height + y) * t.Width + x;

    static float Read(NetworkGraph g, float[][] values, TensorRead r, int img, int c, int y, int x)
    {
        var t = g.Tensors[r.Tensor];
        return values[r.Tensor][Index(t, img, r.View.Source(c), y, x)];
    }

    static float Act(Activation a, double x) => (float)(a switch
    {
        Activation.None => x,
        Activation.Relu => Math.Max(x, 0),
        Activation.HardSwish => x * Math.Clamp(x + 3, 0, 6) / 6,
        Activation.HardSigmoid => Math.Clamp(x + 3, 0, 6) / 6,
        Activation.Sigmoid => 1 / (1 + Math.Exp(-x)),
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    });
}
