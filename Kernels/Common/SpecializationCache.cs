using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels.Common;

/// <summary>
/// The compiled specialisations of one launcher: one slot per (activation, variant), a variant being whatever else
/// the launcher specialises on (tile shape, kernel size), each compiled on first request and kept.
/// </summary>
/// <typeparam name="TKernel">The launcher delegate ILGPU returns.</typeparam>
/// <param name="variants">Variants per activation.</param>
internal sealed class SpecializationCache<TKernel>(int variants) where TKernel : class
{
    readonly TKernel?[] _loaded = new TKernel?[ActivationExtensions.Count * variants];
    readonly Lock _gate = new();

    /// <summary>The specialisation (<paramref name="activation"/>, <paramref name="variant"/>), compiled by
    /// <paramref name="load"/> on first request.</summary>
    public TKernel Get<TState>(Activation activation, int variant, TState state, Func<TState, Activation, int, TKernel> load)
    {
        activation.ThrowIfUndefined();
        ArgumentOutOfRangeException.ThrowIfNegative(variant);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(variant, variants);
        int i = (int)activation * variants + variant;
        var kernel = Volatile.Read(ref _loaded[i]);
        if (kernel is not null) return kernel;
        lock (_gate)
            return _loaded[i] ??= load(state, activation, variant);
    }
}
