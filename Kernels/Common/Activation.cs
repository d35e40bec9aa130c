using System.Runtime.CompilerServices;

namespace ShuffleNetGpu.Kernels;

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
    public float Apply(float x)
    {
        float t = x + 3f;
        t = t < 0f ? 0f : t;
        t = t > 6f ? 6f : t;
        return x * t / 6f;
    }
}

/// <summary>Hard-sigmoid: <c>clamp(x + 3, 0, 6) / 6</c>.</summary>
public readonly struct HardSigmoid : IActivation
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float x)
    {
        float t = x + 3f;
        t = t < 0f ? 0f : t;
        t = t > 6f ? 6f : t;
        return t / 6f;
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

/// <summary>The activations an epilogue can apply (the value indexes the launchers' kernel tables).</summary>
public enum ActivationKind
{
    /// <summary><see cref="Identity"/>.</summary>
    None = 0,
    /// <summary><see cref="Kernels.Relu"/>.</summary>
    Relu = 1,
    /// <summary><see cref="Kernels.HardSwish"/>.</summary>
    HardSwish = 2,
    /// <summary><see cref="Kernels.HardSigmoid"/>.</summary>
    HardSigmoid = 3,
    /// <summary><see cref="Kernels.Sigmoid"/>.</summary>
    Sigmoid = 4,
}

/// <summary>Host-side helpers for <see cref="ActivationKind"/>.</summary>
public static class ActivationKindExtensions
{
    /// <summary>Number of <see cref="ActivationKind"/> values.</summary>
    public const int Count = 5;

    /// <summary>All kinds, in value order.</summary>
    public static IReadOnlyList<ActivationKind> All { get; } =
        [ActivationKind.None, ActivationKind.Relu, ActivationKind.HardSwish, ActivationKind.HardSigmoid, ActivationKind.Sigmoid];

    /// <summary>Scalar activation (for references); bit-identical to the kernel structs on the host.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown kind.</exception>
    public static float Apply(this ActivationKind kind, float x) => kind switch
    {
        ActivationKind.None => x,
        ActivationKind.Relu => default(Relu).Apply(x),
        ActivationKind.HardSwish => default(HardSwish).Apply(x),
        ActivationKind.HardSigmoid => default(HardSigmoid).Apply(x),
        ActivationKind.Sigmoid => default(Sigmoid).Apply(x),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown activation"),
    };

    /// <summary>Throws unless <paramref name="kind"/> is a defined value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown kind.</exception>
    public static void ThrowIfUndefined(this ActivationKind kind)
    {
        if ((uint)kind >= Count)
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown activation");
    }
}
