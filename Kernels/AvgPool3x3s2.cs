using System.Runtime.CompilerServices;
using ShuffleNetGpu.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;

namespace ShuffleNetGpu.Kernels;

/// <summary>The sum of the in-range taps divided by 9: padding zeros counted (count_include_pad).</summary>
public readonly struct MeanOfNineTaps : IPoolReduction
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Start(ArrayView<float> input, int centre) => 0f;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Add(float acc, float tap) => acc + tap;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Finish(float acc) => acc / 9f;
}

/// <summary>
/// 3x3 average pooling, stride 2, padding 1, padding zeros counted (count_include_pad): always the sum of the
/// in-range taps divided by 9 (ShuffleNetV1's stride-2 shortcut). Input map, output channel slice; one thread
/// per output element (the kernel: <see cref="Pool3x3s2{TReduction}"/> with <see cref="MeanOfNineTaps"/>).
/// </summary>
public sealed class AvgPool3x3s2 : Pool3x3s2<MeanOfNineTaps>
{
    private const string Op = nameof(AvgPool3x3s2);

    /// <summary>Compiles the kernel on <paramref name="accelerator"/>.</summary>
    public AvgPool3x3s2(Accelerator accelerator)
        : base(accelerator, Op)
    {
    }

    /// <summary>Plain scalar reference (same summation order as the kernel); writes only the output slice.</summary>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public static void Reference(ReadOnlySpan<float> input, Span<float> output, in PoolParams p) =>
        ReferenceOverWindows(input, output, p, Op, taps =>
        {
            float sum = 0f;
            foreach (float v in taps)
                sum += v;
            return sum / 9f;
        });
}
