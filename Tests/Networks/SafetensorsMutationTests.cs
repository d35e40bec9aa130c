using System.Buffers.Binary;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Tests.Fuzzing;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Networks;

/// <summary>Seeded fuzzing of converted weights files: damaged copies of a tiny model's .safetensors must either load
/// (every tensor then fits the graph, which <see cref="ModelWeights.Load"/> checks) or fail with a
/// <see cref="ShuffleNetException"/> subclass; never another exception, never a hang.</summary>
public sealed class SafetensorsMutationTests(ITestOutputHelper output) : IDisposable
{
    const int RandomMutations = 400;
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
        ModelWeights.Load(good);   // the unmutated file loads
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(original);

        var rng = new Random(19_000 + Array.IndexOf(FixtureIds, id));
        var cases = Enumerable.Range(0, RandomMutations)
            .Select(_ => ByteMutation.Draw(rng, r => Position(r, original.Length, headerEnd)))
            .Select(m => (m.ToString(), (MutantBuilder)(scratch => m.Apply(original, scratch))))
            .Concat(HeaderLengthEdits(original, headerEnd))
            .Concat(Truncations(original.Length, headerEnd).Select(n => ($"truncated to {n} bytes", (MutantBuilder)(_ => new ArraySegment<byte>(original, 0, n)))))
            .ToArray();
        MutationRunner.Run(output, id, original.Length + ByteMutation.MaxGrowth, cases, Load,
            e => e is ShuffleNetException or FileNotFoundException, ReadTimeout);
    }

    // A tenth of the damage lands in the 8-byte header length, six tenths in the JSON header (names, dtypes, shapes,
    // offsets, the metadata and its configuration), the rest in the data.
    static int Position(Random r, int length, int headerEnd)
    {
        double where = r.NextDouble();
        return where < 0.1 ? r.Next(8) : where < 0.7 ? 8 + r.Next(headerEnd - 8) : headerEnd + r.Next(length - headerEnd);
    }

    static IEnumerable<(string, MutantBuilder)> HeaderLengthEdits(byte[] original, int headerEnd)
    {
        ulong n = (ulong)(headerEnd - 8);
        ulong[] lengths = [0, 1, 2, n - 1, n + 1, n - 8, n + 8, n + 4, (ulong)original.Length - 8, (ulong)original.Length - 7,
            (ulong)original.Length, 16UL << 20, (16UL << 20) + 1, 1UL << 32, 1UL << 40, long.MaxValue, ulong.MaxValue];
        foreach (ulong length in lengths)
            yield return ($"header length set to {length}", scratch =>
            {
                original.CopyTo(scratch, 0);
                BinaryPrimitives.WriteUInt64LittleEndian(scratch, length);
                return new ArraySegment<byte>(scratch, 0, original.Length);
            });
    }

    static int[] Truncations(int length, int headerEnd) => [0, 1, 7, 8, 9, headerEnd / 2, headerEnd - 1, headerEnd, headerEnd + 1, headerEnd + 4, length - 4, length - 1];

    string? Load(ArraySegment<byte> file, int worker)
    {
        string path = _dir[$"mutant{worker}.safetensors"];
        using (var f = File.Create(path)) f.Write(file);
        var weights = ModelWeights.Load(path);
        foreach (var spec in weights.Graph.WeightSpecs())
            if (weights[spec.Name].Length != spec.Elements) return $"tensor {spec.Name} holds {weights[spec.Name].Length} values, the graph needs {spec.ShapeText}";
        return null;
    }
}
