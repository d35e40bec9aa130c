using System.Diagnostics;
using System.IO.Compression;
using ShuffleNetGpu.Converter.Torch;
using Xunit.Abstractions;
using Xunit;

namespace ShuffleNetGpu.Tests.Converter.Torch;

/// <summary>Seeded fuzzing: damaged copies of the fixture checkpoints must either read (with consistent tensors)
/// or fail with CheckpointFormatException — never another exception, never a hang.</summary>
public sealed class TorchCheckpointMutationTests(ITestOutputHelper output)
{
    private const int MutationsPerFixture = 2000;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private enum Kind { Flip, Overwrite, Truncate, Insert, Delete }

    /// <summary>Writes one mutant into a reusable scratch buffer (so the big fixtures do not churn the
    /// large-object heap) and returns its bytes.</summary>
    private delegate ArraySegment<byte> MutantBuilder(byte[] scratch);

    /// <summary>One mutation, drawn up front from the seeded generator so the set is the same on every run.</summary>
    private sealed record Mutation(Kind Kind, int Position, byte[] Bytes, int Length)
    {
        public const int MaxGrowth = 16;

        /// <summary><paramref name="scratch"/> must be at least MaxGrowth bytes longer than the original.</summary>
        public ArraySegment<byte> Apply(byte[] original, byte[] scratch)
        {
            var source = original.AsSpan();
            switch (Kind)
            {
                case Kind.Truncate:
                    source[..Position].CopyTo(scratch);
                    return new(scratch, 0, Position);
                case Kind.Insert:
                    source[..Position].CopyTo(scratch);
                    Bytes.CopyTo(scratch, Position);
                    source[Position..].CopyTo(scratch.AsSpan(Position + Bytes.Length));
                    return new(scratch, 0, original.Length + Bytes.Length);
                case Kind.Delete:
                    int end = Math.Min(original.Length, Position + Length);
                    source[..Position].CopyTo(scratch);
                    source[end..].CopyTo(scratch.AsSpan(Position));
                    return new(scratch, 0, original.Length - (end - Position));
                default:
                    source.CopyTo(scratch);
                    for (int i = 0; i < Bytes.Length && Position + i < original.Length; i++)
                        scratch[Position + i] = Kind == Kind.Flip ? (byte)(scratch[Position + i] ^ Bytes[i]) : Bytes[i];
                    return new(scratch, 0, original.Length);
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
        Run(id, original.Length + Mutation.MaxGrowth,
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
        Run("tiny-shufflenetv1-g8 data.pkl", pickle.Length + Mutation.MaxGrowth,
            mutations.Select(m => (m.ToString(), (MutantBuilder)(scratch => TorchTestFiles.Zip(root, m.Apply(pickle, scratch).ToArray(), storages)))).ToArray());
    }

    /// <summary>Reads every case on a few worker threads while this thread watches the clock: a read that takes
    /// longer than <see cref="ReadTimeout"/> fails the test (its thread is left behind, as a background thread).</summary>
    private void Run(string label, int scratchSize, (string Description, MutantBuilder Build)[] cases)
    {
        int workers = Math.Clamp(Environment.ProcessorCount, 1, 4);
        var results = Enumerable.Repeat<string?>("not run", cases.Length).ToArray();
        var readStarted = new long[workers];   // Stopwatch timestamp of each worker's current read, 0 when between reads
        var clock = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() =>
        {
            byte[] scratch = new byte[scratchSize];
            for (int i = w; i < cases.Length; i += workers)
            {
                ArraySegment<byte> file;
                try
                {
                    file = cases[i].Build(scratch);
                }
                catch (Exception e)
                {
                    results[i] = $"building the mutant failed: {e.Message}";
                    continue;
                }
                Volatile.Write(ref readStarted[w], Stopwatch.GetTimestamp());
                results[i] = TryRead(file);   // catches everything, so the thread never dies
                Volatile.Write(ref readStarted[w], 0);
            }
        }) { IsBackground = true, Name = $"mutation worker {w}" }).ToList();
        threads.ForEach(t => t.Start());

        var failures = new List<string>();
        while (!threads.All(t => t.Join(100)))
        {
            for (int w = 0; w < workers; w++)
            {
                long started = Volatile.Read(ref readStarted[w]);
                if (started != 0 && Stopwatch.GetElapsedTime(started) > ReadTimeout)
                    failures.Add($"worker {w}: a read gave no answer within {ReadTimeout.TotalSeconds} s");
            }
            if (failures.Count > 0) break;
        }

        int read = 0, refused = 0;
        for (int i = 0; i < cases.Length && failures.Count == 0; i++)
        {
            switch (results[i])
            {
                case null: read++; break;
                case "refused": refused++; break;
                case var problem: failures.Add($"{cases[i].Description}: {problem}"); break;
            }
        }
        output.WriteLine($"{label}: {read} read, {refused} refused, {failures.Count} wrong, {clock.ElapsedMilliseconds} ms on {workers} threads");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.True(refused > 0);
    }

    /// <summary>null when the file read and every tensor is consistent, "refused" for CheckpointFormatException,
    /// otherwise what went wrong.</summary>
    private static string? TryRead(ArraySegment<byte> file)
    {
        try
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
        byte[] bytes = new byte[rng.Next(1, kind == Kind.Insert ? Mutation.MaxGrowth + 1 : 5)];
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
