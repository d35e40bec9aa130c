using System.Runtime.InteropServices;

namespace ShuffleNetGpu.Kernels.Common;

/// <summary>Four floats as one 16-byte value: a shared-memory tile of these is read with one 128-bit load
/// (<c>ld.shared.v4.f32</c>, SASS <c>LDS.128</c>) per element instead of four scalar loads.</summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
public struct Float4
{
    /// <summary>Element 0.</summary>
    public float X;
    /// <summary>Element 1.</summary>
    public float Y;
    /// <summary>Element 2.</summary>
    public float Z;
    /// <summary>Element 3.</summary>
    public float W;

    /// <summary>A value of the four elements.</summary>
    public Float4(float x, float y, float z, float w)
    {
        X = x; Y = y; Z = z; W = w;
    }
}
