using System.Diagnostics;
using System.IO.Compression;
using ShuffleNetGpu.Converter.Torch;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Converter.Torch;

/// <summary>Seeded fuzzing: damaged copies of the fixture checkpoints must either read (with consistent tensors)
/// or fail with CheckpointFormatException — never another exception, never a hang.</summary>
public sealed class TorchCheckpointMutationTests(ITestOutputHelper output)
{
    private const int MutationsPerFixture = 2000;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private enum Kind { Flip, Overwrite, Truncate, Insert, Delete }

    /// <summary>One mutation, drawn up front from the seeded generator so the set is the same on every run.</summary>
    private sealed record Mutation(Kind Kind, int Position, byte[] Bytes, int Length)
    {
        public byte[] Apply(byte[] original)
        {
            switch (Kind)
            {
                case Kind.Truncate:
                    return original[..Position];
                case Kind.Insert:
                    return [.. original.AsSpan(0, Position), .. Bytes, .. original.AsSpan(Position)];
                case Kind.Delete:
                    return [.. original.AsSpan(0, Position), .. original.AsSpan(Math.Min(original.Length, Position + Length))];
                default:
                    byte[] copy = (byte[])original.Clone();
                    for (int i = 0; i < Bytes.Length && Position + i < copy.Length; i++)
                        copy[Position + i] = Kind == Kind.Flip ? (byte)(copy[Position + i] ^ Bytes[i]) : Bytes[i];
                    return copy;
            }
        }

        public override string ToString() => $"{Kind} at {Position} ({Bytes.Length} bytes, length {Length})";
    }

    [Theory]
    [MemberData(nameof(TorchTestFiles.FixtureIdData), MemberType = typeof(TorchTestFiles))]
    public void Mutated_fixture_reads_or_fails_cleanly(string id)
    {
        byte[] original = File.ReadAllBytes(TorchTestFiles.Checkpoint(id));
        var rng = new Random(1_000 + Array.IndexOf(TorchTestFiles.FixtureIds, id));
        var mutations = Enumerable.Range(0, MutationsPerFixture).Select(_ => Draw(rng, original.Length)).ToArray();
        Run(id, mutations.Select(m => (m.ToString(), (Func<byte[]>)(() => m.Apply(original)))).ToArray());
    }

    [Fact]
    public void Mutated_zip_data_pkl_behind_valid_checksums_reads_or_fails_cleanly()
    {
        // Flips in a zip mostly trip its CRC checks; rebuilding the archive around a damaged data.pkl drives
        // the damage into the unpickler instead.
        var (root, pickle, storages) = Unzip(File.ReadAllBytes(TorchTestFiles.Checkpoint("tiny-shufflenetv1-g8")));
        var rng = new Random(77);
        var mutations = Enumerable.Range(0, 1000).Select(_ => Draw(rng, pickle.Length)).ToArray();
        Run("tiny-shufflenetv1-g8 data.pkl", mutations.Select(m => (m.ToString(), (Func<byte[]>)(() => TorchTestFiles.Zip(root, m.Apply(pickle), storages)))).ToArray());
    }

    private void Run(string label, (string Description, Func<byte[]> Build)[] cases)
    {
        int read = 0, refused = 0;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        foreach (var (description, build) in cases)
        {
            byte[] file = build();
            var attempt = Task.Run(() => TryRead(file));
            if (!attempt.Wait(ReadTimeout))
            {
                failures.Add($"{description}: no answer within {ReadTimeout.TotalSeconds} s");
                break;   // the stuck read keeps its thread; stop rather than pile up more
            }
            switch (attempt.Result)
            {
                case null: read++; break;
                case "refused": refused++; break;
                case var problem: failures.Add($"{description}: {problem}"); break;
            }
        }
        output.WriteLine($"{label}: {read} read, {refused} refused, {failures.Count} wrong, {clock.ElapsedMilliseconds} ms");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.True(refused > 0);
    }

    /// <summary>null when the file read and every tensor is consistent, "refused" for CheckpointFormatException,
    /// otherwise what went wrong.</summary>
    private static string? TryRead(byte[] file)
    {
        try
        {
            var checkpoint = TorchCheckpointReader.Read(new MemoryStream(file), "mutant.pth.tar");
            foreach (var t in checkpoint.Tensors)
            {
                long numel = 1;
                foreach (int d in t.Shape) numel *= d;
                if (t.Data.Length != numel) return $"tensor '{t.Name}' has {t.Data.Length} values for shape [{string.Join(", ", t.Shape)}]";
            }
            return null;
        }
        catch (CheckpointFormatException)
        {
            return "refused";
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    // Half the mutations land in the first 64 KiB (the pickles and zip local headers), a fifth in the last
    // 16 KiB (the zip central directory), the rest anywhere (storage data, legacy storage counts).
    private static Mutation Draw(Random rng, int length)
    {
        double where = rng.NextDouble();
        int position = where < 0.5 ? rng.Next(Math.Min(length, 64 << 10))
            : where < 0.7 ? length - 1 - rng.Next(Math.Min(length, 16 << 10))
            : rng.Next(length);
        var kind = (Kind)rng.Next(5);
        byte[] bytes = new byte[rng.Next(1, kind == Kind.Insert ? 17 : 5)];
        rng.NextBytes(bytes);
        if (kind == Kind.Flip) for (int i = 0; i < bytes.Length; i++) bytes[i] |= (byte)(1 << rng.Next(8));   // never a no-op
        if (kind == Kind.Overwrite && rng.Next(2) == 0) bytes[0] = (byte)(rng.Next(4) switch { 0 => 0x00, 1 => 0xFF, 2 => 0x7F, _ => 0x80 });
        return new Mutation(kind, position, bytes, rng.Next(1, 17));
    }

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
