using ShuffleNetGpu.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels;

/// <summary>Shape of a <see cref="Linear"/> layer: dense x [N, In], W [Out, In], optional b [Out], y [N, Out].</summary>
public record struct LinearParams
{
    /// <summary>Batch size.</summary>
    public int N;
    /// <summary>Input features.</summary>
    public int In;
    /// <summary>Output features.</summary>
    public int Out;
    /// <summary>1 when a bias is added, 0 otherwise (set by the launcher from the bias view).</summary>
    public int HasBias;

    /// <summary>A shape.</summary>
    public static LinearParams Create(int n, int inFeatures, int outFeatures, bool hasBias) =>
        new() { N = n, In = inFeatures, Out = outFeatures, HasBias = hasBias ? 1 : 0 };

    internal readonly void Validate(string op)
    {
        Checks.Positive(N, nameof(N), op);
        Checks.Positive(In, nameof(In), op);
        Checks.Positive(Out, nameof(Out), op);
        if (HasBias is not (0 or 1))
            throw new ArgumentException($"{op}: HasBias must be 0 or 1. {this}");
        Checks.FitsInt((long)N * In, "input", op);
        Checks.FitsInt((long)N * Out, "output", op);
        Checks.FitsInt((long)Out * In, "weight", op);
    }
}

/// <summary>
/// Fully connected layer <c>y[n, o] = act(sum_i W[o, i] * x[n, i] + b[o])</c> (b omitted without bias), dense
/// row-major tensors. One thread per output; the sum runs i ascending, bias last.
/// </summary>
public sealed class Linear : ActivationLauncher<Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, LinearParams>>
{
    private const string Op = nameof(Linear);

    /// <summary>Creates the launcher; each activation's specialisation compiles on <c>Prepare</c> or first launch.</summary>
    public Linear(Accelerator accelerator)
        : base(accelerator)
    {
    }

    /// <inheritdoc/>
    protected override Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, LinearParams> Load<TAct>() =>
        Accelerator.LoadImplicitlyGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, LinearParams>(Kernel<TAct>, KernelGeometry.ElementwiseGroupSize(Accelerator));

    /// <summary>
    /// Enqueues the layer on <paramref name="stream"/> (default stream if null); does not synchronise.
    /// <paramref name="output"/> must not overlap the other views.
    /// </summary>
    /// <param name="stream">Stream, or null for the default stream.</param>
    /// <param name="input">x [N, In], at least N * In elements.</param>
    /// <param name="weight">W [Out, In], exactly Out * In elements.</param>
    /// <param name="bias">b [Out] (exactly Out elements), or an empty view (<see cref="ArrayView{T}.Empty"/>) for no bias.</param>
    /// <param name="output">y [N, Out], at least N * Out elements.</param>
    /// <param name="n">Batch size.</param>
    /// <param name="inFeatures">In.</param>
    /// <param name="outFeatures">Out.</param>
    /// <param name="activation">Epilogue.</param>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public void Launch(AcceleratorStream? stream, ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> bias, ArrayView<float> output, int n, int inFeatures, int outFeatures,
        Activation activation)
    {
        activation.ThrowIfUndefined();
        bool hasBias = bias.IsValid && bias.Length > 0;
        var p = LinearParams.Create(n, inFeatures, outFeatures, hasBias);
        p.Validate(Op);
        Checks.View(input, (long)p.N * p.In, nameof(input), Op);
        Checks.ExactView(weight, (long)p.Out * p.In, nameof(weight), Op);
        if (hasBias)
            Checks.ExactView(bias, p.Out, nameof(bias), Op);
        Checks.View(output, (long)p.N * p.Out, nameof(output), Op);
        // Without a bias the kernel never reads the bias view: pass the weights so no empty view reaches a backend.
        KernelFor(activation)(stream ?? Accelerator.DefaultStream, p.N * p.Out, input, weight,
            hasBias ? bias : weight, output, p);
    }

    /// <summary>The kernel: one thread per output (N x Out).</summary>
    internal static void Kernel<TAct>(Index1D index, ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> bias, ArrayView<float> output, LinearParams p) where TAct : struct, IActivation
    {
        int idx = index.X;
        int n = idx / p.Out;
        int o = idx - n * p.Out;
        int xBase = n * p.In;
        int wBase = o * p.In;
        float acc = 0f;
        for (int i = 0; i < p.In; i++)
            acc += weight[wBase + i] * input[xBase + i];
        if (p.HasBias != 0)
            acc += bias[o];
        output[idx] = default(TAct).Apply(acc);
    }

    /// <summary>
    /// Plain scalar reference (i ascending, bias last). <paramref name="bias"/> empty means no bias.
    /// </summary>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public static void Reference(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, int n, int inFeatures, int outFeatures, Activation activation)
    {
        activation.ThrowIfUndefined();
        var p = LinearParams.Create(n, inFeatures, outFeatures, bias.Length > 0);
        p.Validate(Op);
        ReferenceChecks.Span(input.Length, (long)n * inFeatures, nameof(input), Op);
        ReferenceChecks.Exact(weight.Length, (long)outFeatures * inFeatures, nameof(weight), Op);
        if (p.HasBias != 0)
            ReferenceChecks.Exact(bias.Length, outFeatures, nameof(bias), Op);
        ReferenceChecks.Span(output.Length, (long)n * outFeatures, nameof(output), Op);
        for (int b = 0; b < n; b++)
        for (int o = 0; o < outFeatures; o++)
        {
            float acc = 0f;
            for (int i = 0; i < inFeatures; i++)
                acc += weight[o * inFeatures + i] * input[b * inFeatures + i];
            if (p.HasBias != 0)
                acc += bias[o];
            output[b * outFeatures + o] = activation.Apply(acc);
        }
    }
}
