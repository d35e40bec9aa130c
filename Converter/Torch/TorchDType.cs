namespace ShuffleNetGpu.Converter.Torch;

/// <summary>The element type a tensor had in the checkpoint (its data is always handed out as float32).</summary>
public enum TorchDType
{
    /// <summary><c>torch.float32</c>.</summary>
    Float32,
    /// <summary><c>torch.float64</c>.</summary>
    Float64,
    /// <summary><c>torch.float16</c>.</summary>
    Float16,
    /// <summary><c>torch.bfloat16</c>.</summary>
    BFloat16,
    /// <summary><c>torch.int64</c>.</summary>
    Int64,
    /// <summary><c>torch.int32</c>.</summary>
    Int32,
    /// <summary><c>torch.int16</c>.</summary>
    Int16,
    /// <summary><c>torch.int8</c>.</summary>
    Int8,
    /// <summary><c>torch.uint8</c>.</summary>
    UInt8,
    /// <summary><c>torch.bool</c>.</summary>
    Bool,
}

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
