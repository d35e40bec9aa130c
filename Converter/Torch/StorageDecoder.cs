using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ShuffleNetGpu.Converter.Torch;

/// <summary>Turns raw little-endian storage bytes into a tensor's float32 data in C order, applying the storage
/// offset and strides. The geometry was checked when the tensor was unpickled; the readers check that each
/// storage's bytes are exactly numel x element size, so every index computed here is in range.</summary>
internal static class StorageDecoder
{
    public static float[] Decode(TorchTensorRef tensor, ReadOnlySpan<byte> rootBytes)
    {
        var type = tensor.Storage.Type;
        int size = type.ElementSize();
        var data = GC.AllocateUninitializedArray<float>(tensor.Numel);   // every element is written below
        if (data.Length == 0) return data;
        long first = tensor.Storage.ElementOffset + tensor.Offset;

        if (IsContiguous(tensor.Shape, tensor.Strides))
        {
            ConvertRun(rootBytes.Slice(checked((int)(first * size)), checked(data.Length * size)), type, data);
            return data;
        }

        // Odometer over the indices in C order; `index` follows it through the strides.
        int rank = tensor.Shape.Length;
        var counter = new int[rank];
        long index = first;
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = ReadElement(rootBytes.Slice(checked((int)(index * size)), size), type);
            for (int d = rank - 1; d >= 0; d--)
            {
                index += tensor.Strides[d];
                if (++counter[d] < tensor.Shape[d]) break;
                index -= tensor.Strides[d] * tensor.Shape[d];
                counter[d] = 0;
            }
        }
        return data;
    }

    private static bool IsContiguous(int[] shape, long[] strides)
    {
        long expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] != 1 && strides[d] != expected) return false;   // a size-1 dimension's stride is never used
            expected *= shape[d];
        }
        return true;
    }

    private static void ConvertRun(ReadOnlySpan<byte> src, TorchDType type, float[] dst)
    {
        if (type == TorchDType.Float32 && BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(src).CopyTo(dst);
            return;
        }
        int size = type.ElementSize();
        for (int i = 0; i < dst.Length; i++) dst[i] = ReadElement(src.Slice(i * size, size), type);
    }

    private static float ReadElement(ReadOnlySpan<byte> b, TorchDType type) => type switch
    {
        TorchDType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(b),
        TorchDType.Float64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(b),
        TorchDType.Float16 => (float)BinaryPrimitives.ReadHalfLittleEndian(b),
        TorchDType.BFloat16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16),  // the top half of a float32
        TorchDType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(b),
        TorchDType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(b),
        TorchDType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b),
        TorchDType.Int8 => (sbyte)b[0],
        TorchDType.UInt8 => b[0],
        TorchDType.Bool => b[0] != 0 ? 1f : 0f,
        _ => throw new InvalidOperationException($"unknown storage type {type}"),
    };
}
