using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;

namespace ShuffleNetGpu.Kernels;

/// <summary>The largest in-range tap, starting from the centre tap so padding never wins; NaN propagates.</summary>
public readonly struct MaxOfTaps : IPoolReduction
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Start(ArrayView<float> input, int centre) => input[centre];

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Add(float acc, float tap) => tap > acc || float.IsNaN(tap) ? tap : acc;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Finish(float acc) => acc;
}

/// <summary>
/// 3x3 max pooling, stride 2, padding 1; padding never wins (the max is over the in-range taps only, and every
/// window has at least its centre in range). NaN propagates. Input map, output channel slice; one thread per
/// output element (the kernel: <see cref="Pool3x3s2{TReduction}"/> with <see cref="MaxOfTaps"/>).
/// </summary>
public sealed class MaxPool3x3s2 : Pool3x3s2<MaxOfTaps>
{
    private const string Op = nameof(MaxPool3x3s2);

    /// <summary>Compiles the kernel on <paramref name="accelerator"/>.</summary>
    public MaxPool3x3s2(Accelerator accelerator)
        : base(accelerator, Op)
    {
    }

    /// <summary>Plain scalar reference (the maximum with a NaN flag, from minus infinity); writes only the output slice.</summary>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public static void Reference(ReadOnlySpan<float> input, Span<float> output, in PoolParams p) =>
        ReferenceOverWindows(input, output, p, Op, taps =>
        {
            float m = float.NegativeInfinity;
            bool nan = false;
            foreach (float v in taps)
            {
                nan |= float.IsNaN(v);
                m = Math.Max(m, v);
            }
            return nan ? float.NaN : m;
        });
}
