namespace ShuffleNetGpu.Converter.Torch;

/// <summary>The element type a tensor had in the checkpoint (its data is always handed out as float32).</summary>
public enum TorchDType { Float32, Float64, Float16, BFloat16, Int64, Int32, Int16, Int8, UInt8, Bool }

internal static class TorchDTypeInfo
{
    public static int ElementSize(this TorchDType type) => type switch
    {
        TorchDType.Float64 or TorchDType.Int64 => 8,
        TorchDType.Float32 or TorchDType.Int32 => 4,
        TorchDType.Float16 or TorchDType.BFloat16 or TorchDType.Int16 => 2,
        _ => 1,
    };
}
