using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>An op with weights repacked at load into <see cref="Packed"/>: shared with the same op made for other
/// input sizes (the executor passes one store), or owned and freed with the op when none is given.</summary>
internal abstract class CpuWeightedOp : CpuOp
{
    readonly bool _ownsPacked;

    protected CpuWeightedOp(GraphOp op, CpuPath path, PackedWeights? packed) : base(op, path)
    {
        Packed = packed ?? new PackedWeights();
        _ownsPacked = packed is null;
    }

    protected PackedWeights Packed { get; }

    /// <summary>The bias <c>{name}.bias</c>, copied once into native memory.</summary>
    protected NativeBuffer Bias(string name, IReadOnlyDictionary<string, float[]> weights) =>
        Packed.Get(name + ".bias", () => NativeBuffer.From(weights[name + ".bias"]));

    public override void Dispose()
    {
        if (_ownsPacked) Packed.Dispose();
    }
}
