using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime.Cuda;

namespace ShuffleNetGpu.Kernels.Common;

/// <summary>TF32 rounding: float32 with the mantissa rounded to 10 bits, to nearest, ties away from zero (PTX
/// <c>cvt.rna.tf32.f32</c>, what the tensor cores read).</summary>
public static class Tf32
{
    /// <summary>Rounds <paramref name="x"/> to TF32 (on CUDA the hardware conversion, elsewhere the same bits computed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Round(float x)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("cvt.rna.tf32.f32 %0, %1;", out uint bits, x);
            return Interop.IntAsFloat(bits);
        }
        return RoundBits(x);
    }

    /// <summary>The rounding on the bits: add half of the 13 dropped bits to the magnitude, then drop them (the sign
    /// bit is apart, so ties go away from zero); infinities and NaN pass unchanged.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RoundBits(float x)
    {
        uint bits = Interop.FloatAsInt(x);
        if ((bits & 0x7F800000u) == 0x7F800000u) return x;
        return Interop.IntAsFloat((bits + 0x1000u) & 0xFFFFE000u);
    }
}
