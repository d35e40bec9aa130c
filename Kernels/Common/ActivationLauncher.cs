using ILGPU.Runtime;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels.Common;

/// <summary>
/// Base of the launchers whose kernels take an activation epilogue: one specialisation per <see cref="Activation"/>,
/// compiled on first request. A network asks for the ones its graph uses when it is built (<see cref="Prepare"/>), so
/// loading compiles only those: on PoCL, whose compiler takes about a second a kernel, compiling all five of every op
/// would dominate a small network's load.
/// </summary>
/// <typeparam name="TKernel">The launcher delegate ILGPU returns for the kernel.</typeparam>
public abstract class ActivationLauncher<TKernel> : ISpecializationCompiler<TKernel> where TKernel : class
{
    readonly SpecializationCache<TKernel> _loaded = new(1);

    /// <summary>A launcher compiling its kernels for <paramref name="accelerator"/> (lazily, one per activation).</summary>
    protected ActivationLauncher(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        Accelerator = accelerator;
    }

    /// <summary>The accelerator the kernels are compiled for.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Compiles the specialisation for <paramref name="activation"/> now (otherwise on first launch).</summary>
    public void Prepare(Activation activation) => _ = KernelFor(activation);

    /// <summary>Compiles every specialisation now.</summary>
    public void PrepareAll()
    {
        foreach (var a in ActivationExtensions.All) Prepare(a);
    }

    /// <summary>The compiled specialisation for <paramref name="activation"/>.</summary>
    protected TKernel KernelFor(Activation activation) => _loaded.Get(activation, 0, this);

    /// <summary>Compiles the kernel specialised for <typeparamref name="TAct"/>.</summary>
    protected abstract TKernel Load<TAct>() where TAct : struct, IActivation;

    TKernel ISpecializationCompiler<TKernel>.Compile<TAct>(int variant) => Load<TAct>();
}
