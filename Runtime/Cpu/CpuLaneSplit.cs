using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// Where a batch run image by image (<see cref="CpuImageLanes"/>) hands over to the whole batch: the classifier's
/// fully connected layers read megabytes of weights for a few thousand multiply-adds per image, so run per image they
/// read those weights once per image (V2+ Medium: 11.6 MB, about 1.5 ms of a 15 ms image on one core), while over the
/// whole batch they read them once per four images (<see cref="CpuLinear"/>). The tail is the longest run of steps at
/// the end of the whole-batch plan whose inputs and output are all 1 x 1 maps; the lanes run everything before it and
/// leave in the whole-batch arena the tensors the tail reads (the bridges), then the pool runs the tail over the batch.
/// </summary>
internal sealed class CpuLaneSplit
{
    /// <param name="plan">The whole-batch plan.</param>
    /// <param name="steps">Its steps.</param>
    /// <param name="outputs">The tensors the caller asked for.</param>
    /// <param name="tailAllowed">False when the whole-batch arena may not be allocated (a memory limit): the lanes then
    /// run every step.</param>
    public CpuLaneSplit(MemoryPlan plan, IReadOnlyList<CpuExecutor.Step> steps, IReadOnlyList<int> outputs, bool tailAllowed)
    {
        var tensors = plan.Graph.Tensors;
        bool OneByOne(int t) => tensors[t].Height * tensors[t].Width == 1;
        int start = steps.Count;
        if (tailAllowed)
            while (start > 0 && steps[start - 1].Op.Op is var op && OneByOne(op.Output.Tensor)
                   && op.Inputs.All(r => r.Tensor != NetworkGraph.InputTensor && OneByOne(r.Tensor)))
                start--;
        // A tail without a fully connected layer gains nothing; one writing a tensor the lanes also write (a slice
        // each) would need that tensor bridged half-written.
        var headWrites = steps.Take(start).Select(s => s.Op.Op.Output.Tensor).ToHashSet();
        if (!steps.Skip(start).Any(s => s.Op.Op is LinearOp) || steps.Skip(start).Any(s => headWrites.Contains(s.Op.Op.Output.Tensor)))
            start = steps.Count;
        TailStart = start;
        var tailWrites = steps.Skip(start).Select(s => s.Op.Op.Output.Tensor).ToHashSet();
        var bridges = steps.Skip(start).SelectMany(s => s.Op.Op.Inputs).Select(r => r.Tensor)
            .Where(t => !tailWrites.Contains(t)).Distinct().ToList();
        var laneOutputs = outputs.Where(t => !tailWrites.Contains(t)).Concat(bridges).Distinct().ToArray();
        LaneOutputs = laneOutputs;
        Requested = laneOutputs.Select(t => outputs.ToList().IndexOf(t)).ToArray();
        IsBridge = laneOutputs.Select(bridges.Contains).ToArray();
        TailOutputs = Enumerable.Range(0, outputs.Count).Where(i => tailWrites.Contains(outputs[i])).ToArray();
    }

    /// <summary>The first step the pool runs over the whole batch (the step count: none, the lanes run them all).</summary>
    public int TailStart { get; }

    /// <summary>Whether some steps run over the whole batch after the lanes.</summary>
    public bool HasTail(int steps) => TailStart < steps;

    /// <summary>The tensors each lane keeps of its image: the requested ones it computes, then the bridges.</summary>
    public int[] LaneOutputs { get; }

    /// <summary>For each of <see cref="LaneOutputs"/>: its index among the requested outputs, or -1.</summary>
    public int[] Requested { get; }

    /// <summary>For each of <see cref="LaneOutputs"/>: whether the tail reads it (a lane copies it into the whole-batch arena).</summary>
    public bool[] IsBridge { get; }

    /// <summary>Indices of the requested outputs the tail writes.</summary>
    public int[] TailOutputs { get; }
}
