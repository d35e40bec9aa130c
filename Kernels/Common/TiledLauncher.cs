using ILGPU.Runtime;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels.Common;

/// <summary>
/// Base of the launchers whose kernels come in several tile shapes (<see cref="BlockedPointwiseConv2d"/>,
/// <see cref="TiledDepthwiseConv2d"/>): the shapes this device picks from, chosen once, and the compiled
/// specialisations, one per (activation, variant), a variant being the tile and whatever else the op specialises on,
/// each compiled on first request. Each op brings its kernel, its variants and how it picks a tile per op.
/// </summary>
/// <typeparam name="TTile">The op's tile shape.</typeparam>
/// <typeparam name="TKernel">The launcher delegate ILGPU returns for the kernel.</typeparam>
public abstract class TiledLauncher<TTile, TKernel> : ISpecializationCompiler<TKernel>
    where TTile : class, ITileShape where TKernel : class
{
    private readonly SpecializationCache<TKernel> loaded;

    /// <summary>
    /// A launcher for <paramref name="accelerator"/> picking from <paramref name="requested"/> when given (each must fit
    /// the device's group size); else on CUDA from every tile of <paramref name="gpuTiles"/> that fits, elsewhere only the
    /// first of <paramref name="all"/> that fits (PoCL compiles about a second a kernel; tile shapes only matter on a GPU).
    /// </summary>
    /// <exception cref="NotSupportedException">A requested tile does not fit, or none does.</exception>
    private protected TiledLauncher(Accelerator accelerator, IReadOnlyList<TTile> all, IReadOnlyList<TTile> gpuTiles,
        IReadOnlyList<TTile>? requested, int variants, string op)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        Accelerator = accelerator;
        loaded = new(variants);
        var fitting = all.Where(t => t.Threads <= accelerator.MaxNumThreadsPerGroup).ToArray();
        if (requested is { Count: > 0 })
        {
            if (requested.FirstOrDefault(t => !fitting.Contains(t)) is { } bad)
                throw new NotSupportedException($"{op}: tile {bad.Name} needs {bad.Threads} threads per group; {accelerator.Name} allows {accelerator.MaxNumThreadsPerGroup}.");
            Tiles = [.. requested];
        }
        else if (fitting.Length == 0)
            throw new NotSupportedException($"{op}: {accelerator.Name} allows {accelerator.MaxNumThreadsPerGroup} threads per group; at least 16 are needed.");
        else
            Tiles = accelerator.AcceleratorType == AcceleratorType.Cuda ? [.. fitting.Where(gpuTiles.Contains)] : [fitting[0]];
    }

    /// <summary>The accelerator the kernels are compiled for.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>The tile shapes this launcher picks from (largest first).</summary>
    public IReadOnlyList<TTile> Tiles { get; }

    /// <summary>The compiled specialisation (<paramref name="activation"/>, <paramref name="variant"/>).</summary>
    private protected TKernel Specialization(Activation activation, int variant) => loaded.Get(activation, variant, this);

    /// <summary>Compiles the kernel for <typeparamref name="TAct"/> and <paramref name="variant"/>.</summary>
    private protected abstract TKernel Compile<TAct>(int variant) where TAct : struct, IActivation;

    TKernel ISpecializationCompiler<TKernel>.Compile<TAct>(int variant) => Compile<TAct>(variant);

    /// <summary>The tile of <paramref name="tiles"/> with the highest <paramref name="score"/>; on a near tie (within 5%)
    /// the earlier one, the larger.</summary>
    private protected static TTile Best(IReadOnlyList<TTile> tiles, Func<TTile, double> score)
    {
        TTile best = tiles[0];
        double bestScore = score(best);
        foreach (var t in tiles.Skip(1))
        {
            double s = score(t);
            if (s > bestScore * 1.05)
                (best, bestScore) = (t, s);
        }
        return best;
    }
}
