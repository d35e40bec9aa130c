using System.Diagnostics;
using ShuffleNetGpu.Converter.Torch;
using Xunit;

namespace ShuffleNetGpu.Tests.Converter.Torch;

/// <summary>Bad and hostile input: each must end in a CheckpointFormatException whose one-line message names the
/// file and the problem, quickly and without allocating what the file claims.</summary>
public sealed class TorchCheckpointBadInputTests
{
    private const string Name = "bad.pth.tar";

    private static CheckpointFormatException Fails(byte[] file)
    {
        var e = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(new MemoryStream(file), Name));
        Assert.Equal(Name, e.Path);
        Assert.StartsWith(Name + ": ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    private static void FailsWith(byte[] file, string expectedFragment) => Assert.Contains(expectedFragment, Fails(file).Message);

    private static byte[] OneTensorLegacy(long storageNumel, long storedCount, byte[] storedBytes, long[]? size = null) =>
        TorchTestFiles.Legacy(TorchTestFiles.StateDict(true, ("w", "0", storageNumel, size ?? [1])), ("0", storedCount, storedBytes));

    // --- the file itself ------------------------------------------------------------------------------------

    [Fact]
    public void Empty_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"torch-empty-{Guid.NewGuid():N}.pth.tar");
        File.WriteAllBytes(path, []);
        try
        {
            var e = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));
            Assert.Equal(path, e.Path);
            Assert.Contains("empty", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Directory_is_refused()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "fixtures");
        var e = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(dir));
        Assert.Contains("directory", e.Message);
    }

    [Fact]
    public void Missing_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"torch-missing-{Guid.NewGuid():N}.pth.tar");
        var e = Assert.Throws<FileNotFoundException>(() => TorchCheckpointReader.Read(path));
        Assert.Equal(path, e.FileName);
        Assert.Contains("not found", e.Message);
    }

    [Theory]
    [InlineData("this is a text file, not a checkpoint\n")]
    [InlineData("\u0080\u0002\u008a\u000a\u006d\u00fc\u009c\u0046\u00f9\u0020\u006a\u00a8\u0050\u0019.")]   // the magic pickle, one bit off
    [InlineData("\u0080\u0002K\u0007.")]                                                                           // a pickled 7
    [InlineData("P")]
    public void Wrong_magic(string latin1)
    {
        FailsWith(System.Text.Encoding.Latin1.GetBytes(latin1), "not a PyTorch checkpoint");
    }

    [Fact]
    public void Big_endian_legacy_file_is_refused()
    {
        byte[] good = OneTensorLegacy(1, 1, TorchTestFiles.Floats(1));
        int i = Array.IndexOf(good, (byte)0x88, 15 + 6);   // NEWTRUE of little_endian in the sys-info pickle
        good[i] = 0x89;
        FailsWith(good, "big-endian");
    }

    [Theory]
    [InlineData("tiny-shufflenetv1-g3", 61)]
    [InlineData("tiny-shufflenetv1-g8", 127)]
    public void Truncation_anywhere_fails_cleanly(string id, int step)
    {
        byte[] full = File.ReadAllBytes(TorchTestFiles.Checkpoint(id));
        int checkedCount = 0;
        for (int length = 1; length < full.Length; length += step)
        {
            var e = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(new MemoryStream(full, 0, length), Name));
            Assert.StartsWith(Name + ": ", e.Message);
            checkedCount++;
        }
        Assert.True(checkedCount > 400);
        Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(new MemoryStream(full, 0, full.Length - 1), Name));
    }

    // --- sizes ----------------------------------------------------------------------------------------------

    [Fact]
    public void Storage_count_larger_than_the_file()
    {
        FailsWith(OneTensorLegacy(1_000_000, 1_000_000, TorchTestFiles.Floats(1, 2)), "remain");
    }

    [Fact]
    public void Stored_count_disagreeing_with_the_pickle()
    {
        FailsWith(OneTensorLegacy(2, 1, TorchTestFiles.Floats(1, 2)), "declares 2");
    }

    [Fact]
    public void A_trillion_element_storage_fails_fast_without_allocating()
    {
        const long Trillion = 1_000_000_000_000;
        byte[] file = OneTensorLegacy(Trillion, Trillion, TorchTestFiles.Floats(1, 2, 3, 4), size: [4]);
        TorchCheckpointReader.Read(new MemoryStream(OneTensorLegacy(4, 4, TorchTestFiles.Floats(1, 2, 3, 4), size: [4])), Name);   // warm-up

        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var e = Fails(file);
        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Contains("remain", e.Message);
        Assert.True(clock.ElapsedMilliseconds < 1000, $"took {clock.ElapsedMilliseconds} ms");
        Assert.True(allocated < 4 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_trillion_element_tensor_shape_is_refused_before_reading_data()
    {
        const long Trillion = 1_000_000_000_000;
        var e = Fails(OneTensorLegacy(Trillion, Trillion, [], size: [1_000_000, 1_000_000]));
        Assert.Contains("larger than one array", e.Message);
    }

    [Fact]
    public void Shape_product_overflow_is_refused()
    {
        FailsWith(OneTensorLegacy(1, 1, TorchTestFiles.Floats(1), size: [int.MaxValue, int.MaxValue, int.MaxValue]), "overflow");
    }

    [Fact]
    public void Offset_and_strides_reaching_past_the_storage_are_refused()
    {
        byte[] file = TorchTestFiles.Legacy(
            w => w.EmptyDict().Str("w").Tensor("FloatStorage", "0", 6, 1, [3, 2], [2, 1], legacy: true).SetItem(),
            ("0", 6, TorchTestFiles.Floats(0, 1, 2, 3, 4, 5)));
        FailsWith(file, "reaches past");
    }

    [Fact]
    public void Huge_string_length_fails_fast()
    {
        byte[] file = TorchTestFiles.Legacy(w => w.EmptyDict().Raw().StrHeader(uint.MaxValue));
        FailsWith(file, "a string of 4294967295 bytes");
    }

    [Fact]
    public void One_long_key_set_again_and_again_is_bounded()
    {
        // A 1 MB string memoized once, then used as a dict key 200 times (4 bytes each): without a budget every
        // SETITEM would hash the whole string.
        byte[] file = TorchTestFiles.Legacy(p =>
        {
            p.EmptyDict().Str(new string('k', 1 << 20)).Put(1).Str("v").Put(2).SetItem().Mark();
            for (int i = 0; i < 200; i++) p.Get(1).Get(2);
            p.SetItems();
        });
        var clock = Stopwatch.StartNew();
        FailsWith(file, "dict keys add up to more than");
        Assert.True(clock.ElapsedMilliseconds < 2000, $"took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void Int_dict_keys_that_all_hash_alike_are_read_in_linear_time()
    {
        // Keys k * (2^32 + 1) all hash to 0 as Int64: in a hash table each insert would walk all earlier keys.
        const int Keys = 80_000, PerSetItems = 1000;
        byte[] file = TorchTestFiles.Legacy(w =>
        {
            w.EmptyDict().Str("state_dict").Global("collections", "OrderedDict").EmptyTuple().Reduce()
                .Str("w").Tensor("FloatStorage", "0", 1, 0, [1], [1], legacy: true).SetItem().SetItem();
            w.Str("optimizer").EmptyDict();
            for (int k = 0; k < Keys; k += PerSetItems)
            {
                w.Mark();
                for (int j = k; j < k + PerSetItems; j++) w.Int(j * ((1L << 32) + 1)).None();
                w.SetItems();
            }
            w.SetItem();
        }, ("0", 1, TorchTestFiles.Floats(7)));
        var checkpoint = Deadline.Within(TimeSpan.FromSeconds(2), () => TorchCheckpointReader.Read(new MemoryStream(file), Name));
        Assert.Equal(7f, Assert.Single(checkpoint.Tensors).Data.Single());
    }

    [Fact]
    public void Overlong_storage_key_is_refused()
    {
        byte[] file = TorchTestFiles.Legacy(TorchTestFiles.StateDict(true, ("w", new string('7', 2000), 1, [1])));
        FailsWith(file, "at most 1024 characters");
    }

    [Fact]
    public void Broadcast_views_expanding_a_tiny_storage_into_gigabytes_are_refused()
    {
        // 4 stored floats, viewed with stride 0 as 100 million values: refused before any allocation.
        byte[] file = TorchTestFiles.Legacy(
            w => w.EmptyDict().Str("w").Tensor("FloatStorage", "0", 4, 0, [100_000_000], [0], legacy: true).SetItem(),
            ("0", 4, TorchTestFiles.Floats(1, 2, 3, 4)));
        long before = GC.GetAllocatedBytesForCurrentThread();
        FailsWith(file, "would expand to 100000000 values from 4 stored elements");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20);
    }

    [Fact]
    public void Deeply_nested_marks_are_bounded()
    {
        FailsWith(TorchTestFiles.Legacy(w => w.Raw(Enumerable.Repeat((byte)'(', 100_000).ToArray())), "nested marks");
    }

    [Fact]
    public void Memo_read_before_write_is_refused()
    {
        FailsWith(TorchTestFiles.Legacy(w => w.Get(7)), "memo entry 7");
    }

    [Theory]
    [InlineData(0x81)]           // NEWOBJ
    [InlineData((byte)'i')]      // INST: imports and calls
    [InlineData((byte)'o')]      // OBJ
    [InlineData((byte)'P')]      // PERSID (text form)
    [InlineData(0x93)]           // STACK_GLOBAL
    public void Unsupported_opcodes_are_refused(byte opcode)
    {
        FailsWith(TorchTestFiles.Legacy(w => w.Raw(opcode)), "unsupported pickle opcode");
    }

    // --- code the pickle asks to run ------------------------------------------------------------------------

    public static TheoryData<string, string> DangerousGlobals => new()
    {
        { "os", "system" }, { "posix", "system" }, { "builtins", "eval" }, { "subprocess", "Popen" },
        { "nt", "system" }, { "builtins", "exec" }, { "__builtin__", "eval" }, { "torch", "load" },
    };

    [Theory]
    [MemberData(nameof(DangerousGlobals))]
    public void Global_then_reduce_is_refused_naming_the_global(string module, string name)
    {
        // The classic payload: GLOBAL os.system, ('echo pwned',), REDUCE, as the whole object.
        byte[] file = TorchTestFiles.Legacy(w => w.Global(module, name).Str("echo pwned").Tuple1().Reduce());
        FailsWith(file, $"pickle global '{module}.{name}' is not allowed");
    }

    [Theory]
    [MemberData(nameof(DangerousGlobals))]
    public void Dangerous_global_inside_a_state_dict_is_refused(string module, string name)
    {
        byte[] file = TorchTestFiles.Legacy(w => w.EmptyDict().Str("state_dict").Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Str("module.w").Global(module, name).Str("echo pwned").Tuple1().Reduce().SetItem().SetItem());
        FailsWith(file, $"pickle global '{module}.{name}' is not allowed");
    }

    [Theory]
    [MemberData(nameof(DangerousGlobals))]
    public void Dangerous_global_inside_skipped_optimizer_state_is_refused(string module, string name)
    {
        byte[] file = TorchTestFiles.Legacy(w =>
        {
            TorchTestFiles.StateDict(true, ("w", "0", 1, [1]))(w);
            w.Str("optimizer_state_dict").EmptyDict().Str("state").Global(module, name).Str("x").Tuple1().Reduce().SetItem().SetItem();
        }, ("0", 1, TorchTestFiles.Floats(1)));
        FailsWith(file, $"pickle global '{module}.{name}' is not allowed");
    }

    [Fact]
    public void Dangerous_global_in_a_zip_data_pkl_is_refused()
    {
        byte[] pkl = TorchTestFiles.Pickle(w => w.Global("os", "system").Str("echo pwned").Tuple1().Reduce());
        FailsWith(TorchTestFiles.Zip("archive", pkl), "pickle global 'os.system' is not allowed");
    }

    [Fact]
    public void Reduce_on_an_allowed_name_that_is_not_callable_is_refused()
    {
        // torch.FloatStorage may be named (inside a persistent id) but never called.
        byte[] file = TorchTestFiles.Legacy(w => w.Global("torch", "FloatStorage").Int(10).Tuple1().Reduce());
        FailsWith(file, "REDUCE on 'torch.FloatStorage' is not allowed");
    }

    [Fact]
    public void Reduce_on_a_value_that_is_not_a_global_is_refused()
    {
        FailsWith(TorchTestFiles.Legacy(w => w.Str("os.system").Str("echo").Tuple1().Reduce()), "REDUCE on the string 'os.system' is not allowed");
    }

    [Fact]
    public void Build_on_anything_but_an_ordered_dict_is_refused()
    {
        FailsWith(TorchTestFiles.Legacy(w => w.EmptyList().EmptyDict().Build()), "BUILD on a list");
    }

    [Fact]
    public void Pickled_module_persistent_id_asks_for_a_state_dict()
    {
        // torch.save(model): ('module', <class>, source file, source) as a persistent id.
        byte[] withClass = TorchTestFiles.Legacy(w => w.Mark().Str("module").Global("__main__", "ShuffleNetV2").Str("net.py").Str("class ...").Tuple().BinPersId());
        var e = Fails(withClass);
        Assert.Contains("save model.state_dict() instead", e.Message);
        Assert.Contains("__main__.ShuffleNetV2", e.Message);

        byte[] plain = TorchTestFiles.Legacy(w => w.Mark().Str("module").None().Str("net.py").Str("class ...").Tuple().BinPersId());
        FailsWith(plain, "save model.state_dict() instead");
    }

    [Fact]
    public void Persistent_id_naming_an_unknown_storage_type_is_refused()
    {
        byte[] file = TorchTestFiles.Legacy(w => w.Mark().Str("storage").Str("torch.FloatStorage").Str("0").Str("cpu").Int(1).None().Tuple().BinPersId());
        FailsWith(file, "expected a torch.*Storage");
    }

    // --- structure ------------------------------------------------------------------------------------------

    [Fact]
    public void State_dict_entry_that_is_not_a_tensor_is_refused()
    {
        FailsWith(TorchTestFiles.Legacy(w => w.EmptyDict().Str("epoch").Int(3).SetItem()), "entry 'epoch' is an int, expected a tensor");
    }

    [Fact]
    public void Top_level_that_is_not_a_dict_is_refused()
    {
        FailsWith(TorchTestFiles.Legacy(w => w.EmptyList()), "expected a dict");
    }

    [Fact]
    public void Names_colliding_once_module_is_stripped_are_refused()
    {
        byte[] file = TorchTestFiles.Legacy(TorchTestFiles.StateDict(true, ("module.w", "0", 1, [1]), ("w", "0", 1, [1])), ("0", 1, TorchTestFiles.Floats(1)));
        FailsWith(file, "two entries are named 'w'");
    }

    [Fact]
    public void Storage_referenced_but_not_stored_is_refused()
    {
        byte[] file = TorchTestFiles.Legacy(TorchTestFiles.StateDict(true, ("w", "0", 1, [1])));
        FailsWith(file, "does not hold");
    }

    [Fact]
    public void Storage_stored_twice_or_undeclared_is_refused()
    {
        byte[] twice = TorchTestFiles.Legacy(TorchTestFiles.StateDict(true, ("w", "0", 1, [1])), ("0", 1, TorchTestFiles.Floats(1)), ("0", 1, TorchTestFiles.Floats(1)));
        FailsWith(twice, "not a new key");
        byte[] stray = TorchTestFiles.Legacy(TorchTestFiles.StateDict(true, ("w", "0", 1, [1])), ("0", 1, TorchTestFiles.Floats(1)), ("9", 1, TorchTestFiles.Floats(1)));
        FailsWith(stray, "no tensor declares it");
    }

    [Fact]
    public void Zip_without_data_pkl_is_refused()
    {
        // A torch-like archive whose object entry is called data.pickle.
        byte[] pkl = TorchTestFiles.Pickle(TorchTestFiles.StateDict(false, ("w", "0", 1, [1])));
        var file = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(file, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        using (var entry = archive.CreateEntry("archive/data.pickle").Open())
            entry.Write(pkl);
        FailsWith(file.ToArray(), "holds 0 data.pkl entries");
    }

    [Fact]
    public void Zip_that_is_only_a_signature_is_refused()
    {
        FailsWith([(byte)'P', (byte)'K', 3, 4, 0, 0], "not a readable zip archive");
    }

    [Fact]
    public void Zip_storage_of_the_wrong_size_or_missing_is_refused()
    {
        byte[] pkl = TorchTestFiles.Pickle(TorchTestFiles.StateDict(false, ("w", "0", 3, [3])));
        FailsWith(TorchTestFiles.Zip("archive", pkl, ("0", TorchTestFiles.Floats(1, 2))), "should be 3 x Float32 = 12 bytes");
        FailsWith(TorchTestFiles.Zip("archive", pkl), "has no entry archive/data/0");
    }

    [Fact]
    public void Zip_claiming_a_trillion_elements_fails_without_allocating()
    {
        byte[] pkl = TorchTestFiles.Pickle(TorchTestFiles.StateDict(false, ("w", "0", 1_000_000_000_000, [4])));
        byte[] file = TorchTestFiles.Zip("archive", pkl, ("0", TorchTestFiles.Floats(1, 2, 3, 4)));
        long before = GC.GetAllocatedBytesForCurrentThread();
        FailsWith(file, "should be 1000000000000 x Float32");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20);
    }
}
