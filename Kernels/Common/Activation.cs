using System.Runtime.CompilerServices;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Kernels.Common;

/// <summary>
/// An activation epilogue. Kernels take it as a struct type parameter
/// (<c>where TAct : struct, IActivation</c>) and call <c>default(TAct).Apply(x)</c>, so ILGPU compiles one
/// specialised kernel per activation with no branch or virtual call.
/// </summary>
public interface IActivation
{
    /// <summary>The activation of <paramref name="x"/>.</summary>
    float Apply(float x);
}

/// <summary>No activation: <c>x</c>.</summary>
public readonly struct Identity : IActivation
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float x) => x;
}

/// <summary><c>max(x, 0)</c>; NaN stays NaN (as in PyTorch).</summary>
public readonly struct Relu : IActivation
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float x) => x < 0f ? 0f : x;
}

/// <summary>Hard-swish: <c>x * clamp(x + 3, 0, 6) / 6</c>.</summary>
public readonly struct HardSwish : IActivation
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float x) => x * HardSigmoid.Relu6(x + 3f) / 6f;
}

/// <summary>Hard-sigmoid: <c>clamp(x + 3, 0, 6) / 6</c>.</summary>
public readonly struct HardSigmoid : IActivation
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float x) => Relu6(x + 3f) / 6f;

    /// <summary><c>clamp(t, 0, 6)</c>, the ramp both hard activations scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Relu6(float t)
    {
        t = t < 0f ? 0f : t;
        return t > 6f ? 6f : t;
    }
}

/// <summary>
/// Logistic sigmoid <c>1 / (1 + exp(-x))</c>, with <see cref="KernelMath.Exp"/> (not <see cref="MathF.Exp"/>,
/// which ILGPU's PTX backend compiles only in a context built with <c>EnableAlgorithms()</c> or libdevice).
/// </summary>
public readonly struct Sigmoid : IActivation
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float x) => 1f / (1f + KernelMath.Exp(-x));
}

/// <summary>Host-side helpers for <see cref="Activation"/>.</summary>
public static class ActivationExtensions
{
    /// <summary>Number of <see cref="Activation"/> values.</summary>
    public const int Count = 5;

    /// <summary>All kinds, in value order.</summary>
    public static IReadOnlyList<Activation> All { get; } =
        [Activation.None, Activation.Relu, Activation.HardSwish, Activation.HardSigmoid, Activation.Sigmoid];

    /// <summary>Scalar activation (for references); bit-identical to the kernel structs on the host.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown kind.</exception>
    public static float Apply(this Activation kind, float x) => kind switch
    {
        Activation.None => x,
        Activation.Relu => default(Relu).Apply(x),
        Activation.HardSwish => default(HardSwish).Apply(x),
        Activation.HardSigmoid => default(HardSigmoid).Apply(x),
        Activation.Sigmoid => default(Sigmoid).Apply(x),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown activation"),
    };

    /// <summary>Throws unless <paramref name="kind"/> is a defined value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown kind.</exception>
    public static void ThrowIfUndefined(this Activation kind)
    {
        if ((uint)kind >= Count)
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown activation");
    }
}
