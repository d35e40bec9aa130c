using System.IO.Compression;
using ShuffleNetGpu.Converter.Torch;
using ShuffleNetGpu.Tests.Fuzzing;
using Xunit.Abstractions;
using Xunit;

namespace ShuffleNetGpu.Tests.Converter.Torch;

/// <summary>Seeded fuzzing: damaged copies of the fixture checkpoints must either read (with consistent tensors)
/// or fail with CheckpointFormatException — never another exception, never a hang.</summary>
public sealed class TorchCheckpointMutationTests(ITestOutputHelper output)
{
    private const int MutationsPerFixture = 2000;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    [Theory]
    [MemberData(nameof(TorchTestFiles.FixtureIdData), MemberType = typeof(TorchTestFiles))]
    public void Mutated_fixture_reads_or_fails_cleanly(string id)
    {
        byte[] original = File.ReadAllBytes(TorchTestFiles.Checkpoint(id));
        var rng = new Random(1_000 + Array.IndexOf(TorchTestFiles.FixtureIds, id));
        var mutations = Enumerable.Range(0, MutationsPerFixture).Select(_ => Draw(rng, original.Length)).ToArray();
        Run(id, original.Length + ByteMutation.MaxGrowth,
            mutations.Select(m => (m.ToString(), (MutantBuilder)(scratch => m.Apply(original, scratch)))).ToArray());
    }

    [Fact]
    public void Mutated_zip_data_pkl_behind_valid_checksums_reads_or_fails_cleanly()
    {
        // Flips in a zip mostly trip its CRC checks; rebuilding the archive around a damaged data.pkl drives
        // the damage into the unpickler instead.
        var (root, pickle, storages) = Unzip(File.ReadAllBytes(TorchTestFiles.Checkpoint("tiny-shufflenetv1-g8")));
        var rng = new Random(77);
        var mutations = Enumerable.Range(0, 1000).Select(_ => Draw(rng, pickle.Length)).ToArray();
        Run("tiny-shufflenetv1-g8 data.pkl", pickle.Length + ByteMutation.MaxGrowth,
            mutations.Select(m => (m.ToString(), (MutantBuilder)(scratch => TorchTestFiles.Zip(root, m.Apply(pickle, scratch).ToArray(), storages)))).ToArray());
    }

    private void Run(string label, int scratchSize, (string Description, MutantBuilder Build)[] cases) =>
        MutationRunner.Run(output, label, scratchSize, cases, (file, _) => Read(file), e => e is CheckpointFormatException, ReadTimeout);

    /// <summary>null when the file read and every tensor is consistent, otherwise what is wrong.</summary>
    private static string? Read(ArraySegment<byte> file)
    {
        var stream = new MemoryStream(file.Array!, file.Offset, file.Count, writable: false);
        var checkpoint = TorchCheckpointReader.Read(stream, "mutant.pth.tar");
        foreach (var t in checkpoint.Tensors)
        {
            long numel = 1;
            foreach (int d in t.Shape) numel *= d;
            if (t.Data.Length != numel) return $"tensor '{t.Name}' has {t.Data.Length} values for shape [{string.Join(", ", t.Shape)}]";
        }
        return null;
    }

    // Half the mutations land in the first 64 KiB (the pickles and zip local headers), a fifth in the last
    // 16 KiB (the zip central directory), the rest anywhere (storage data, legacy storage counts).
    private static ByteMutation Draw(Random rng, int length) => ByteMutation.Draw(rng, r =>
    {
        double where = r.NextDouble();
        return where < 0.5 ? r.Next(Math.Min(length, 64 << 10))
            : where < 0.7 ? length - 1 - r.Next(Math.Min(length, 16 << 10))
            : r.Next(length);
    });

    private static (string Root, byte[] Pickle, (string Key, byte[] Data)[] Storages) Unzip(byte[] file)
    {
        using var zip = new ZipArchive(new MemoryStream(file), ZipArchiveMode.Read);
        var pkl = zip.Entries.Single(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal));
        string root = pkl.FullName[..^"/data.pkl".Length];
        var storages = zip.Entries.Where(e => e.FullName.StartsWith(root + "/data/", StringComparison.Ordinal))
            .Select(e => (e.FullName[(root.Length + "/data/".Length)..], ReadAll(e))).ToArray();
        return (root, ReadAll(pkl), storages);

        static byte[] ReadAll(ZipArchiveEntry entry)
        {
            using var s = entry.Open();
            var copy = new MemoryStream();
            s.CopyTo(copy);
            return copy.ToArray();
        }
    }
}
