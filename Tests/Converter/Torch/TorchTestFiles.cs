using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Xunit;

namespace ShuffleNetGpu.Tests.Converter.Torch;

/// <summary>Fixture paths, and builders for hand-made checkpoints (good and hostile) used by the reader tests.</summary>
internal static class TorchTestFiles
{
    public static readonly string[] FixtureIds =
    [
        "tiny-detnas", "tiny-oneshot", "tiny-shufflenetv1-g3", "tiny-shufflenetv1-g8",
        "tiny-shufflenetv2", "tiny-shufflenetv2-exlarge", "tiny-shufflenetv2-large", "tiny-shufflenetv2plus",
    ];

    public static TheoryData<string> FixtureIdData => new(FixtureIds);

    public static string Checkpoint(string id) => Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny", id, "checkpoint.pth.tar");

    public static readonly byte[] LegacyMagicPickle = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];

    /// <summary>A legacy checkpoint: header pickles, the object pickle <paramref name="writeObject"/> writes, the key
    /// list (in the given order) and the storages (count, raw bytes) in that order.</summary>
    public static byte[] Legacy(Action<PickleWriter> writeObject, params (string Key, long Count, byte[] Data)[] storages)
    {
        var file = new MemoryStream();
        file.Write(LegacyMagicPickle);
        file.Write(new PickleWriter().Proto().Int(1001).Stop().ToArray());
        file.Write(new PickleWriter().Proto().EmptyDict().Mark()
            .Str("protocol_version").Int(1001).Str("little_endian").True()
            .Str("type_sizes").EmptyDict().Mark().Str("short").Int(2).Str("int").Int(4).Str("long").Int(4).SetItems()
            .SetItems().Stop().ToArray());
        var obj = new PickleWriter().Proto();
        writeObject(obj);
        file.Write(obj.Stop().ToArray());
        var keys = new PickleWriter().Proto().EmptyList().Mark();
        foreach (var s in storages) keys.Str(s.Key);
        file.Write(keys.Appends().Stop().ToArray());
        Span<byte> count = stackalloc byte[8];
        foreach (var s in storages)
        {
            BinaryPrimitives.WriteInt64LittleEndian(count, s.Count);
            file.Write(count);
            file.Write(s.Data);
        }
        return file.ToArray();
    }

    /// <summary>The object pickle alone (PROTO ... STOP), e.g. as a zip's data.pkl.</summary>
    public static byte[] Pickle(Action<PickleWriter> writeObject)
    {
        var w = new PickleWriter().Proto();
        writeObject(w);
        return w.Stop().ToArray();
    }

    /// <summary>A stored zip in torch's layout: root/data.pkl, root/data/key, root/version.</summary>
    public static byte[] Zip(string root, byte[] dataPkl, params (string Key, byte[] Data)[] storages)
    {
        var file = new MemoryStream();
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, root + "/data.pkl", dataPkl);
            foreach (var (key, data) in storages) Add(zip, root + "/data/" + key, data);
            Add(zip, root + "/version", "3\n"u8.ToArray());
        }
        return file.ToArray();

        static void Add(ZipArchive zip, string name, byte[] data)
        {
            using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
            s.Write(data);
        }
    }

    /// <summary>{'state_dict': OrderedDict(name: tensor, ...)} with one float tensor per entry.</summary>
    public static Action<PickleWriter> StateDict(bool legacy, params (string Name, string StorageKey, long StorageNumel, long[] Size)[] tensors) => w =>
    {
        w.EmptyDict().Str("state_dict").Global("collections", "OrderedDict").EmptyTuple().Reduce().Mark();
        foreach (var t in tensors)
        {
            w.Str(t.Name);
            w.Tensor("FloatStorage", t.StorageKey, t.StorageNumel, 0, t.Size, ContiguousStrides(t.Size), legacy);
        }
        w.SetItems().SetItem();
    };

    public static long[] ContiguousStrides(long[] size)
    {
        var strides = new long[size.Length];
        long s = 1;
        for (int d = size.Length - 1; d >= 0; d--) { strides[d] = s; s *= size[d]; }
        return strides;
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }
}

/// <summary>Writes protocol-2 pickle opcodes, one method per opcode (the names follow CPython's pickle.py).</summary>
internal sealed class PickleWriter
{
    private readonly MemoryStream _out = new();

    public PickleWriter Raw(params byte[] bytes) { _out.Write(bytes); return this; }
    public PickleWriter Proto() => Raw(0x80, 2);
    public PickleWriter Stop() => Raw((byte)'.');
    public PickleWriter Mark() => Raw((byte)'(');
    public PickleWriter None() => Raw((byte)'N');
    public PickleWriter True() => Raw(0x88);
    public PickleWriter False() => Raw(0x89);
    public PickleWriter EmptyDict() => Raw((byte)'}');
    public PickleWriter EmptyList() => Raw((byte)']');
    public PickleWriter EmptyTuple() => Raw((byte)')');
    public PickleWriter Tuple() => Raw((byte)'t');
    public PickleWriter Tuple1() => Raw(0x85);
    public PickleWriter Tuple2() => Raw(0x86);
    public PickleWriter Tuple3() => Raw(0x87);
    public PickleWriter SetItem() => Raw((byte)'s');
    public PickleWriter SetItems() => Raw((byte)'u');
    public PickleWriter Append() => Raw((byte)'a');
    public PickleWriter Appends() => Raw((byte)'e');
    public PickleWriter Reduce() => Raw((byte)'R');
    public PickleWriter Build() => Raw((byte)'b');
    public PickleWriter BinPersId() => Raw((byte)'Q');
    public PickleWriter Put(byte index) => Raw((byte)'q', index);
    public PickleWriter Get(byte index) => Raw((byte)'h', index);

    public PickleWriter Int(long value)
    {
        if (value is >= 0 and < 256) return Raw((byte)'K', (byte)value);
        if (value is >= 0 and < 65536) return Raw((byte)'M', (byte)value, (byte)(value >> 8));
        if (value is >= int.MinValue and <= int.MaxValue) { Raw((byte)'J'); return Le((int)value, 4); }
        Raw(0x8a, 8);
        return Le(value, 8);
    }

    public PickleWriter Str(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        Raw((byte)'X');
        Le(utf8.Length, 4);
        return Raw(utf8);
    }

    /// <summary>BINUNICODE whose length field says <paramref name="claimedLength"/> (the bytes may not follow).</summary>
    public PickleWriter StrHeader(uint claimedLength) { Raw((byte)'X'); return Le(claimedLength, 4); }

    public PickleWriter ShortBinString(string latin1)
    {
        Raw((byte)'U', (byte)latin1.Length);
        return Raw(Encoding.Latin1.GetBytes(latin1));
    }

    public PickleWriter Global(string module, string name) => Raw((byte)'c').Raw(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));

    /// <summary>REDUCE(torch._utils._rebuild_tensor_v2, (persistent-id storage, offset, size, stride, False, OrderedDict())).</summary>
    public PickleWriter Tensor(string storageType, string key, long storageNumel, long offset, long[] size, long[] stride, bool legacy)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark();
        StoragePid(storageType, key, storageNumel, legacy).BinPersId().Int(offset);
        Mark(); foreach (long s in size) Int(s); Tuple();
        Mark(); foreach (long s in stride) Int(s); Tuple();
        return False().Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce();
    }

    public PickleWriter StoragePid(string storageType, string key, long numel, bool legacy)
    {
        Mark().Str("storage").Global("torch", storageType).Str(key).Str("cpu").Int(numel);
        if (legacy) None();
        return Tuple();
    }

    public byte[] ToArray() => _out.ToArray();

    private PickleWriter Le(long value, int bytes)
    {
        for (int i = 0; i < bytes; i++) _out.WriteByte((byte)(value >> (8 * i)));
        return this;
    }
}
