using System.Runtime.CompilerServices;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>
/// <see cref="ShuffleNet.EmbedStreamAsync"/> (what <c>embed</c> over a folder runs, issue 16 item 1) on the cpu engine:
/// batches of different sizes and image counts give, in order, the bits <see cref="ShuffleNet.Embed(float[], int, int)"/>
/// gives each batch alone; a batch too small to run ends the stream with <see cref="InputSizeException"/> after the
/// results before it, and the network then gives the same bits.
/// </summary>
public sealed class EmbedStreamTests
{
    static float[] Images(int n, int height, int width, int seed)
    {
        var random = new Random(seed);
        var batch = new float[n * 3 * height * width];
        for (int i = 0; i < batch.Length; i++) batch[i] = (float)(random.NextDouble() * 255);
        return batch;
    }

    static async IAsyncEnumerable<SizedBatch> Source(IEnumerable<SizedBatch> batches, [EnumeratorCancellation] CancellationToken token = default)
    {
        foreach (var batch in batches)
        {
            await Task.Yield();
            token.ThrowIfCancellationRequested();
            yield return batch;
        }
    }

    [Fact]
    public async Task EmbeddingsStreamInOrderWithTheBitsOfEmbedAtEverySize()
    {
        var tiny = Fixtures.Load("tiny-shufflenetv2");
        using var net = ShuffleNet.FromWeights(tiny.Weights, BackendKind.Cpu, 2);
        SizedBatch[] batches =
        [
            new(Images(2, 224, 224, 1), 224, 224),
            new(Images(1, 64, 96, 2), 64, 96),
            new(Images(3, 64, 96, 3), 64, 96),
            new(Images(1, 224, 224, 4), 224, 224),
        ];
        var expected = batches.Select(b => net.Embed(b.Images, b.Height, b.Width)).ToList();
        var streamed = new List<float[]>();
        await foreach (var embeddings in net.EmbedStreamAsync(Source(batches))) streamed.Add(embeddings);
        Assert.Equal(expected.Count, streamed.Count);
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i], streamed[i]);

        // 16 x 16 is below the smallest input: the batch before it is yielded, then the error.
        var before = new List<float[]>();
        await Assert.ThrowsAsync<InputSizeException>(async () =>
        {
            await foreach (var embeddings in net.EmbedStreamAsync(Source([batches[1], new(Images(1, 16, 16, 5), 16, 16), batches[0]])))
                before.Add(embeddings);
        });
        Assert.Equal(expected[1], Assert.Single(before));
        Assert.Equal(expected[0], net.Embed(batches[0].Images, 224, 224));
    }
}
