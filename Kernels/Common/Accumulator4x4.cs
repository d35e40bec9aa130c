using System.Runtime.CompilerServices;

namespace ShuffleNetGpu.Kernels.Common;

/// <summary>A thread's 4 x 4 block of outputs (channel i, pixel j) in registers.</summary>
public struct Accumulator4x4
{
    /// <summary>Channel 0, pixel 0.</summary>
    public float C00;
    /// <summary>Channel 0, pixel 1.</summary>
    public float C01;
    /// <summary>Channel 0, pixel 2.</summary>
    public float C02;
    /// <summary>Channel 0, pixel 3.</summary>
    public float C03;
    /// <summary>Channel 1, pixel 0.</summary>
    public float C10;
    /// <summary>Channel 1, pixel 1.</summary>
    public float C11;
    /// <summary>Channel 1, pixel 2.</summary>
    public float C12;
    /// <summary>Channel 1, pixel 3.</summary>
    public float C13;
    /// <summary>Channel 2, pixel 0.</summary>
    public float C20;
    /// <summary>Channel 2, pixel 1.</summary>
    public float C21;
    /// <summary>Channel 2, pixel 2.</summary>
    public float C22;
    /// <summary>Channel 2, pixel 3.</summary>
    public float C23;
    /// <summary>Channel 3, pixel 0.</summary>
    public float C30;
    /// <summary>Channel 3, pixel 1.</summary>
    public float C31;
    /// <summary>Channel 3, pixel 2.</summary>
    public float C32;
    /// <summary>Channel 3, pixel 3.</summary>
    public float C33;

    /// <summary>The outer product step: <c>C[i, j] += a[i] * b[j]</c> (16 FMAs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Float4 a, Float4 b)
    {
        C00 += a.X * b.X; C01 += a.X * b.Y; C02 += a.X * b.Z; C03 += a.X * b.W;
        C10 += a.Y * b.X; C11 += a.Y * b.Y; C12 += a.Y * b.Z; C13 += a.Y * b.W;
        C20 += a.Z * b.X; C21 += a.Z * b.Y; C22 += a.Z * b.Z; C23 += a.Z * b.W;
        C30 += a.W * b.X; C31 += a.W * b.Y; C32 += a.W * b.Z; C33 += a.W * b.W;
    }
}
