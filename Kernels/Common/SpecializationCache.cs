using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels.Common;

/// <summary>
/// The compiled specialisations of one launcher: one slot per (activation, variant), a variant being whatever else
/// the launcher specialises on (tile shape, kernel size), each compiled on first request and kept. The one place
/// where an <see cref="Activation"/> becomes the struct type a kernel is specialised on.
/// </summary>
/// <typeparam name="TKernel">The launcher delegate ILGPU returns.</typeparam>
/// <param name="variants">Variants per activation.</param>
internal sealed class SpecializationCache<TKernel>(int variants) where TKernel : class
{
    readonly TKernel?[] _loaded = new TKernel?[ActivationExtensions.Count * variants];
    readonly Lock _gate = new();

    /// <summary>The specialisation (<paramref name="activation"/>, <paramref name="variant"/>), compiled by
    /// <paramref name="compiler"/> on first request.</summary>
    public TKernel Get(Activation activation, int variant, ISpecializationCompiler<TKernel> compiler)
    {
        activation.ThrowIfUndefined();
        ArgumentOutOfRangeException.ThrowIfNegative(variant);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(variant, variants);
        int i = (int)activation * variants + variant;
        var kernel = Volatile.Read(ref _loaded[i]);
        if (kernel is not null) return kernel;
        lock (_gate)
            return _loaded[i] ??= activation switch
            {
                Activation.None => compiler.Compile<Identity>(variant),
                Activation.Relu => compiler.Compile<Relu>(variant),
                Activation.HardSwish => compiler.Compile<HardSwish>(variant),
                Activation.HardSigmoid => compiler.Compile<HardSigmoid>(variant),
                _ => compiler.Compile<Sigmoid>(variant),
            };
    }
}

/// <summary>A launcher's kernel compiler: its kernel specialised on an activation struct and one of its variants.</summary>
/// <typeparam name="TKernel">The launcher delegate ILGPU returns.</typeparam>
internal interface ISpecializationCompiler<TKernel> where TKernel : class
{
    /// <summary>Compiles the kernel for <typeparamref name="TAct"/> and <paramref name="variant"/>.</summary>
    TKernel Compile<TAct>(int variant) where TAct : struct, IActivation;
}
