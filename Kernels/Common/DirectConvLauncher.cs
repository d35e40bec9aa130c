using ILGPU;
using ILGPU.Runtime;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels.Common;

/// <summary>
/// The launch shared by the direct convolutions (<see cref="Conv2d"/>, <see cref="DepthwiseConv2d"/>): one thread per
/// output element, its taps read straight from global memory; the input read through <see cref="ConvParams.InMap"/>,
/// the output written into a channel slice. Each op brings its kernel (<see cref="ActivationLauncher{TKernel}.Load{TAct}"/>),
/// the shapes it takes (<see cref="Validate"/>) and its reference.
/// </summary>
public abstract class DirectConvLauncher : ActivationLauncher<Action<AcceleratorStream, Index1D, ArrayView<float>,
    ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvParams>>
{
    /// <summary>A launcher for <paramref name="accelerator"/>; <paramref name="op"/> names the op in errors.</summary>
    private protected DirectConvLauncher(Accelerator accelerator, string op)
        : base(accelerator) => this.op = op;

    private readonly string op;

    /// <summary>
    /// Enqueues the convolution on <paramref name="stream"/> (the accelerator's default stream if null); does not
    /// synchronise. <paramref name="output"/> must not overlap the other views.
    /// </summary>
    /// <param name="stream">Stream to launch on, or null for the default stream.</param>
    /// <param name="input">Input buffer, at least N * InTotalChannels * H * W elements.</param>
    /// <param name="weight">Weight [Cout, Cin / Groups, K, K], exactly that many elements.</param>
    /// <param name="bias">Bias [Cout], exactly Cout elements.</param>
    /// <param name="output">Output buffer, at least N * OutTotalChannels * Ho * Wo elements; only the slice is written.</param>
    /// <param name="p">Shape (see <see cref="ConvParams.Create"/>).</param>
    /// <param name="activation">Epilogue applied after the bias.</param>
    /// <exception cref="ArgumentException">A shape the op does not take, or inconsistent shape, map, slice or view sizes.</exception>
    public void Launch(AcceleratorStream? stream, ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> bias, ArrayView<float> output, in ConvParams p, Activation activation)
    {
        activation.ThrowIfUndefined();
        Validate(p);
        p.CheckViews(input, weight, bias, output, op);
        Checks.FitsInt(p.OutputElements, "output", op);
        KernelFor(activation)(stream ?? Accelerator.DefaultStream, (int)p.OutputElements, input, weight, bias,
            output, p);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the op computes <paramref name="p"/>.</summary>
    private protected virtual void Validate(in ConvParams p) => p.Validate(op);

    /// <summary>Compiles <paramref name="kernel"/> (the op's kernel for one activation) with the element-wise group size.</summary>
    private protected Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ConvParams> LoadPerOutput(Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ConvParams> kernel) =>
        Accelerator.LoadImplicitlyGroupedKernel(kernel, KernelGeometry.ElementwiseGroupSize(Accelerator));
}
