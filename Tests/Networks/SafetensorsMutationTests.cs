using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Tests.Fuzzing;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Networks;

/// <summary>Seeded fuzzing of converted weights files: damaged copies of a tiny model's .safetensors must either load
/// with exactly the original tensors (damage the reader may ignore: a metadata value, say) or fail with a
/// <see cref="ShuffleNetException"/> subclass; never another exception, never a hang. With the per-tensor digests no
/// damage to the data loads: every data-byte flip is refused.</summary>
public sealed class SafetensorsMutationTests(ITestOutputHelper output) : IDisposable
{
    const int RandomMutations = 1000, DataFlips = 300;
    static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    readonly TempDirectory _dir = new("shufflenet-fuzz-");
    public void Dispose() => _dir.Dispose();

    static readonly string[] FixtureIds = ["tiny-shufflenetv1-g3", "tiny-shufflenetv2plus", "tiny-oneshot"];
    public static TheoryData<string> Ids => new(FixtureIds);

    [Theory]
    [MemberData(nameof(Ids))]
    public void MutatedWeightsFileLoadsOrFailsWithATypedError(string id)
    {
        string good = _dir["good.safetensors"];
        ShuffleNetGpu.Converter.CheckpointConverter.Convert(Fixtures.Checkpoint(id)).Save(good);
        byte[] original = File.ReadAllBytes(good);
        var expected = ModelWeights.Load(good).Tensors;   // the unmutated file loads
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(original);

        var rng = new Random(19_000 + Array.IndexOf(FixtureIds, id));
        var cases = Enumerable.Range(0, RandomMutations)
            .Select(_ => ByteMutation.Draw(rng, r => Position(r, original.Length, headerEnd)))
            .Concat(Enumerable.Range(0, DataFlips).Select(_ => DataFlip(rng, original.Length, headerEnd)))
            .Select(m => (m.ToString(), (MutantBuilder)(scratch => m.Apply(original, scratch))))
            .Concat(HeaderLengthEdits(original, headerEnd))
            .Concat(Truncations(original.Length, headerEnd).Select(n => ($"truncated to {n} bytes", (MutantBuilder)(_ => new ArraySegment<byte>(original, 0, n)))))
            .ToArray();
        MutationRunner.Run(output, id, original.Length + ByteMutation.MaxGrowth, cases, (file, worker) => Load(file, worker, expected),
            e => e is ShuffleNetException or FileNotFoundException, ReadTimeout);
    }

    // A tenth of the damage lands in the 8-byte header length, six tenths in the JSON header (names, dtypes, shapes,
    // offsets, the metadata and its configuration), the rest in the data.
    static int Position(Random r, int length, int headerEnd)
    {
        double where = r.NextDouble();
        return where < 0.1 ? r.Next(8) : where < 0.7 ? 8 + r.Next(headerEnd - 8) : headerEnd + r.Next(length - headerEnd);
    }

    /// <summary>One to four bits flipped in one data byte: damage only the digests can see.</summary>
    static ByteMutation DataFlip(Random r, int length, int headerEnd)
    {
        byte bits = 0;
        for (int i = r.Next(1, 5); i > 0; i--) bits |= (byte)(1 << r.Next(8));
        return new ByteMutation(MutationKind.Flip, headerEnd + r.Next(length - headerEnd), [bits], 1);
    }

    static IEnumerable<(string, MutantBuilder)> HeaderLengthEdits(byte[] original, int headerEnd)
    {
        ulong n = (ulong)(headerEnd - 8);
        ulong[] lengths = [0, 1, 2, n - 1, n + 1, n - 8, n + 8, n + 4, (ulong)original.Length - 8, (ulong)original.Length - 7,
            (ulong)original.Length, 16UL << 20, (16UL << 20) + 1, 1UL << 31, 1UL << 32, 1UL << 40, long.MaxValue, 1UL << 63, ulong.MaxValue];
        foreach (ulong length in lengths)
            yield return ($"header length set to {length}", scratch =>
            {
                original.CopyTo(scratch, 0);
                BinaryPrimitives.WriteUInt64LittleEndian(scratch, length);
                return new ArraySegment<byte>(scratch, 0, original.Length);
            });
    }

    static int[] Truncations(int length, int headerEnd) => [0, 1, 7, 8, 9, headerEnd / 2, headerEnd - 1, headerEnd, headerEnd + 1, headerEnd + 4, length - 4, length - 1];

    /// <summary>null when the mutant loads with exactly the original tensors (bit for bit), or what differs.</summary>
    string? Load(ArraySegment<byte> file, int worker, IReadOnlyDictionary<string, float[]> expected)
    {
        string path = _dir[$"mutant{worker}.safetensors"];
        using (var f = File.Create(path)) f.Write(file);
        var weights = ModelWeights.Load(path);
        if (!weights.Tensors.Keys.Order().SequenceEqual(expected.Keys.Order())) return "loaded with other tensor names";
        foreach (var (name, data) in expected)
            if (!MemoryMarshal.AsBytes(weights[name].AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(data.AsSpan())))
                return $"loaded with other data in tensor {name}";
        return null;
    }
}
