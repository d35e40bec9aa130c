using System.IO.Compression;
using ShuffleNetGpu.Converter.Torch;

namespace ShuffleNetGpu.Tests.Converter.Torch;

/// <summary>A small zip may deflate to far more than its size: what one checkpoint may allocate is bounded by the
/// file's size, so a 2 MB file cannot ask for gigabytes of storage and float tensors.</summary>
public sealed class TorchCheckpointDeflateBombTests
{
    private const string Name = "bomb.pth.tar";
    private const long StorageBytes = 255L * DeflatedZerosZip.ChunkBytes;   // ~2 GB: as large as one array may be

    private static byte[] FourViews(string storageType, long numel) => TorchTestFiles.Pickle(w =>
    {
        w.EmptyDict().Str("state_dict").Global("collections", "OrderedDict").EmptyTuple().Reduce().Mark();
        foreach (string view in new[] { "a", "b", "c", "d" })
            w.Str(view).Tensor(storageType, "0", numel, 0, [numel], [1], legacy: false);
        w.SetItems().SetItem();
    });

    [Fact]
    public void Gigabytes_of_deflated_zeros_viewed_four_times_are_refused_without_allocating_them()
    {
        // 2 GB of uint8 zeros in ~2 MB, viewed by four tensors: 2 GB of storage then 4 x 8.5 GB of floats.
        byte[] file = DeflatedZerosZip.Build("archive", FourViews("ByteStorage", StorageBytes), "0", StorageBytes);
        Assert.True(file.Length < 3 << 20, $"the file is {file.Length} bytes");

        var (e, allocated) = Deadline.Within(TimeSpan.FromSeconds(5), () =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(new MemoryStream(file), Name));
            return (error, GC.GetAllocatedBytesForCurrentThread() - before);
        });

        Assert.StartsWith(Name + ": ", e.Message);
        Assert.Contains("storage '0'", e.Message);
        Assert.Contains("bytes of memory", e.Message);
        Assert.True(allocated < 64 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void The_builder_makes_a_valid_zip_of_zeros()
    {
        // The bomb above is only a fair test if its storage really inflates to the zeros it claims.
        const long Bytes = 3L * DeflatedZerosZip.ChunkBytes;
        byte[] file = DeflatedZerosZip.Build("archive", [1, 2, 3], "0", Bytes);
        using var zip = new ZipArchive(new MemoryStream(file), ZipArchiveMode.Read);
        var entry = zip.GetEntry("archive/data/0")!;
        Assert.Equal(Bytes, entry.Length);
        Assert.True(entry.CompressedLength * 1000 < Bytes, $"compressed to {entry.CompressedLength} bytes");
        using var content = entry.Open();
        var buffer = new byte[1 << 20];
        long total = 0;
        for (int read; (read = content.Read(buffer)) > 0; total += read)
            Assert.True(buffer.AsSpan(0, read).IndexOfAnyExcept((byte)0) < 0, $"a non-zero byte near {total}");
        Assert.Equal(Bytes, total);
        Assert.Equal([1, 2, 3], ReadAll(zip.GetEntry("archive/data.pkl")!));
    }

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var s = entry.Open();
        var copy = new MemoryStream();
        s.CopyTo(copy);
        return copy.ToArray();
    }
}
