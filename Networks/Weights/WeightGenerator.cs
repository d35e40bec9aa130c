using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Networks.Weights;

/// <summary>
/// Deterministic random weights for any configuration (the released weights cannot be downloaded here; tests and
/// benchmarks use these). Each layer's weights are scaled from a running estimate of its input's second moment so that
/// every convolution's output has a second moment near 1 through the whole depth, for inputs of 0..255 pixels.
/// </summary>
public static class WeightGenerator
{
    /// <summary>Second moment of a 0..255 BGR image (mean about 115, spread about 65).</summary>
    const double InputMoment = 17000;

    /// <summary>Random weights for <paramref name="config"/>, the same for the same <paramref name="seed"/>.</summary>
    public static ModelWeights Generate(ModelConfig config, int seed = 0)
    {
        var graph = GraphFactory.Build(config);
        var rng = new Random(seed);
        var moment = new double[graph.Tensors.Count];
        var written = new long[graph.Tensors.Count];
        moment[NetworkGraph.InputTensor] = InputMoment;
        var tensors = new Dictionary<string, float[]>();

        foreach (var op in graph.Ops)
        {
            double Read(TensorRead r) => Math.Max(moment[r.Tensor], 1e-6);
            double outMoment;
            switch (op)
            {
                case ConvOp c:
                {
                    int fanIn = c.InChannels / c.Groups * c.Kernel * c.Kernel;
                    tensors[c.Name + ".weight"] = Normal(rng, c.WeightShape.Aggregate(1, (a, b) => a * b), 1.0 / Math.Sqrt(fanIn * Read(c.Input)));
                    tensors[c.Name + ".bias"] = Normal(rng, c.OutChannels, 0.1);
                    outMoment = ActivationMoment(c.Activation, 1.0);
                    break;
                }
                case LinearOp l:
                    tensors[l.Name + ".weight"] = Normal(rng, l.OutFeatures * l.InFeatures, 1.0 / Math.Sqrt(l.InFeatures * Read(l.Input)));
                    if (l.HasBias) tensors[l.Name + ".bias"] = Normal(rng, l.OutFeatures, 0.1);
                    outMoment = ActivationMoment(l.Activation, 1.0);
                    break;
                case PoolOp p: outMoment = Read(p.Input); break;
                case ScaleOp s: outMoment = ActivationMoment(s.Activation, Read(s.Input) * Read(s.Gate) + (s.Residual is { } r ? Read(r) : 0)); break;
                case AddOp a: outMoment = ActivationMoment(a.Activation, Read(a.A) + Read(a.B)); break;
                case CopyOp c: outMoment = ActivationMoment(c.Activation, Read(c.Input)); break;
                default: throw new InvalidOperationException($"no weight rule for {op.GetType().Name}");
            }
            // A tensor filled by several ops (concatenation) gets the channel-weighted mean of their moments.
            int target = op.Output.Tensor;
            long channels = op.OutputChannels;
            moment[target] = (moment[target] * written[target] + outMoment * channels) / (written[target] + channels);
            written[target] += channels;
        }
        return new ModelWeights(config, tensors, new Dictionary<string, string> { [ModelWeights.GeneratedSeedKey] = seed.ToString() }, "generated");
    }

    /// <summary>Second moment after an activation of a zero-mean input with second moment m (rough, which is enough here).</summary>
    static double ActivationMoment(Activation a, double m) => a switch
    {
        Activation.Relu or Activation.HardSwish => m / 2,
        Activation.HardSigmoid or Activation.Sigmoid => 0.3,
        _ => m,
    };

    static float[] Normal(Random rng, int count, double std)
    {
        var data = new float[count];
        for (int i = 0; i < count; i += 2)
        {
            // Box-Muller: two normal values per pair of uniforms.
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1)) * std;
            data[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < count) data[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
        return data;
    }
}
