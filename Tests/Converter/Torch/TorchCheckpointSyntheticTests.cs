using System.Buffers.Binary;
using ShuffleNetGpu.Converter.Torch;
using Xunit;

namespace ShuffleNetGpu.Tests.Converter.Torch;

/// <summary>Hand-built checkpoints for what the fixtures do not show: strides and offsets, every storage type,
/// key order, views, OrderedDict metadata, parameters, Python 2 strings, zip roots.</summary>
public sealed class TorchCheckpointSyntheticTests
{
    private static TorchCheckpoint ReadBytes(byte[] file) => TorchCheckpointReader.Read(new MemoryStream(file), "synthetic.pth.tar");

    [Fact]
    public void Storage_data_follows_the_key_list_order_not_numeric_order()
    {
        // Keys sorted as strings: "10" comes before "2"; each storage holds its own key as values.
        byte[] file = TorchTestFiles.Legacy(
            TorchTestFiles.StateDict(true, ("module.a", "2", 2, [2]), ("module.b", "10", 3, [3])),
            ("10", 3, TorchTestFiles.Floats(10, 10, 10)),
            ("2", 2, TorchTestFiles.Floats(2, 2)));
        var checkpoint = ReadBytes(file);

        Assert.Equal("legacy", checkpoint.Layout);
        Assert.Equal(["a", "b"], checkpoint.Tensors.Select(t => t.Name));
        Assert.Equal([2f, 2f], checkpoint.Find("a")!.Data);
        Assert.Equal([10f, 10f, 10f], checkpoint.Find("b")!.Data);
    }

    [Fact]
    public void Offset_and_strides_are_applied_in_C_order()
    {
        // A 3x2 transposed view starting at element 1 of a 12-element storage: element (i, j) is 1 + i + 3j.
        byte[] file = TorchTestFiles.Legacy(
            w => w.EmptyDict().Str("w").Tensor("FloatStorage", "0", 12, 1, [3, 2], [1, 3], legacy: true).SetItem(),
            ("0", 12, TorchTestFiles.Floats(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)));
        var t = ReadBytes(file).Find("w")!;

        Assert.Equal([3, 2], t.Shape);
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], t.Data);
    }

    [Fact]
    public void Zero_stride_broadcast_and_empty_tensor_are_read()
    {
        byte[] file = TorchTestFiles.Legacy(
            w => w.EmptyDict().Mark()
                .Str("bcast").Tensor("FloatStorage", "0", 4, 1, [2, 3], [0, 1], legacy: true)
                .Str("empty").Tensor("FloatStorage", "0", 4, 0, [0, 5], [5, 1], legacy: true)
                .SetItems(),
            ("0", 4, TorchTestFiles.Floats(7, 8, 9, 10)));
        var checkpoint = ReadBytes(file);

        Assert.Equal([8f, 9f, 10f, 8f, 9f, 10f], checkpoint.Find("bcast")!.Data);
        Assert.Empty(checkpoint.Find("empty")!.Data);
        Assert.Equal([0, 5], checkpoint.Find("empty")!.Shape);
    }

    public static TheoryData<string, TorchDType, byte[], float[]> StorageTypes => new()
    {
        { "DoubleStorage", TorchDType.Float64, Le(8, BitConverter.DoubleToInt64Bits(1.5), BitConverter.DoubleToInt64Bits(-1e-3)), [1.5f, -1e-3f] },
        { "HalfStorage", TorchDType.Float16, Le(2, 0x3C00, 0xC000, 0x7C00), [1f, -2f, float.PositiveInfinity] },
        { "BFloat16Storage", TorchDType.BFloat16, Le(2, 0x3FC0, 0xBF80), [1.5f, -1f] },
        { "LongStorage", TorchDType.Int64, Le(8, 3, -5, 1L << 40), [3f, -5f, 1099511627776f] },
        { "IntStorage", TorchDType.Int32, Le(4, -7, 123456), [-7f, 123456f] },
        { "ShortStorage", TorchDType.Int16, Le(2, -300, 300), [-300f, 300f] },
        { "CharStorage", TorchDType.Int8, [0xFF, 0x7F], [-1f, 127f] },
        { "ByteStorage", TorchDType.UInt8, [0xFF, 0x7F], [255f, 127f] },
        { "BoolStorage", TorchDType.Bool, [0, 1, 2], [0f, 1f, 1f] },
    };

    [Theory]
    [MemberData(nameof(StorageTypes))]
    public void Every_storage_type_converts_to_float(string storageType, TorchDType type, byte[] raw, float[] expected)
    {
        long n = expected.Length;
        byte[] file = TorchTestFiles.Legacy(
            w => w.EmptyDict().Str("x").Tensor(storageType, "0", n, 0, [n], [1], legacy: true).SetItem(),
            ("0", n, raw));
        var t = ReadBytes(file).Find("x")!;

        Assert.Equal(type, t.SourceType);
        Assert.Equal(expected, t.Data);
    }

    [Fact]
    public void Strided_half_tensor_converts_each_element()
    {
        byte[] file = TorchTestFiles.Legacy(
            w => w.EmptyDict().Str("h").Tensor("HalfStorage", "0", 4, 0, [2], [2], legacy: true).SetItem(),
            ("0", 4, Le(2, 0x3C00, 0x4000, 0x4200, 0x4400)));   // 1, 2, 3, 4
        Assert.Equal([1f, 3f], ReadBytes(file).Find("h")!.Data);
    }

    [Fact]
    public void Legacy_storage_view_reads_its_slice_of_the_root()
    {
        // ('storage', FloatStorage, root key, 'cpu', root numel 6, (view key, offset 2, size 3))
        byte[] file = TorchTestFiles.Legacy(
            w => w.EmptyDict().Str("v").Global("torch._utils", "_rebuild_tensor_v2").Mark()
                .Mark().Str("storage").Global("torch", "FloatStorage").Str("root").Str("cpu").Int(6)
                .Mark().Str("view").Int(2).Int(3).Tuple().Tuple().BinPersId()
                .Int(1).Mark().Int(2).Tuple().Mark().Int(1).Tuple().False()
                .Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce().SetItem(),
            ("root", 6, TorchTestFiles.Floats(0, 1, 2, 3, 4, 5)));
        Assert.Equal([3f, 4f], ReadBytes(file).Find("v")!.Data);
    }

    [Fact]
    public void Same_tensor_under_two_names_metadata_parameters_and_python2_strings()
    {
        // OrderedDict with _metadata set by BUILD (as torch writes state_dict()), a tensor memoized and stored
        // under a second name, a _rebuild_parameter, and a Python 2 byte-string key.
        byte[] file = TorchTestFiles.Legacy(
            w => w.EmptyDict().Str("state_dict").Global("collections", "OrderedDict").EmptyTuple().Reduce().Mark()
                .Str("module.se_fc1.weight").Tensor("FloatStorage", "0", 2, 0, [2], [1], legacy: true).Put(9)
                .Str("module.se_block.0.weight").Get(9)
                .Str("module.param").Global("torch._utils", "_rebuild_parameter")
                    .Tensor("FloatStorage", "1", 1, 0, [], [], legacy: true).True()
                    .Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple3().Reduce()
                .ShortBinString("module.py2").Tensor("FloatStorage", "1", 1, 0, [1], [1], legacy: true)
                .SetItems()
                .EmptyDict().Str("_metadata").Global("collections", "OrderedDict").EmptyTuple().Reduce()
                    .Str("").EmptyDict().Str("version").Int(1).SetItem().SetItem().SetItem().Build()
                .SetItem()
                .Str("epoch").Int(12).SetItem(),
            ("0", 2, TorchTestFiles.Floats(1, 2)),
            ("1", 1, TorchTestFiles.Floats(5)));
        var checkpoint = ReadBytes(file);

        Assert.Equal(["se_fc1.weight", "se_block.0.weight", "param", "py2"], checkpoint.Tensors.Select(t => t.Name));
        Assert.Equal(checkpoint.Find("se_fc1.weight")!.Data, checkpoint.Find("se_block.0.weight")!.Data);
        Assert.Equal([5f], checkpoint.Find("param")!.Data);
        Assert.Empty(checkpoint.Find("param")!.Shape);
    }

    [Theory]
    [InlineData("archive")]
    [InlineData("checkpoint.pth")]
    [InlineData("some/nested root")]
    public void Zip_root_folder_is_matched_by_suffix(string root)
    {
        byte[] pkl = TorchTestFiles.Pickle(TorchTestFiles.StateDict(false, ("module.w", "0", 3, [3])));
        byte[] file = TorchTestFiles.Zip(root, pkl, ("0", TorchTestFiles.Floats(1, 2, 3)));
        var checkpoint = ReadBytes(file);

        Assert.Equal("zip", checkpoint.Layout);
        Assert.Equal([1f, 2f, 3f], checkpoint.Find("w")!.Data);
    }

    [Fact]
    public void Read_from_a_path_names_the_file_as_source()
    {
        string path = Path.Combine(Path.GetTempPath(), $"torch-synthetic-{Guid.NewGuid():N}.pth.tar");
        try
        {
            File.WriteAllBytes(path, TorchTestFiles.Legacy(TorchTestFiles.StateDict(true, ("w", "0", 1, [1])), ("0", 1, TorchTestFiles.Floats(4))));
            var checkpoint = TorchCheckpointReader.Read(path);
            Assert.Equal(path, checkpoint.SourcePath);
            Assert.Equal([4f], checkpoint.Find("w")!.Data);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] Le(int size, params long[] values)
    {
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
            for (int b = 0; b < size; b++) bytes[i * size + b] = (byte)(values[i] >> (8 * b));
        return bytes;
    }
}
