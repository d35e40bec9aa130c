namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>Batches of any size from a tiny fixture's images.</summary>
public static class TinyBatches
{
    /// <summary><paramref name="n"/> images: the fixture's in turn, image i brightened by i (so no two are alike).</summary>
    public static float[] Of(TinyCase tiny, int n)
    {
        var batch = new float[n * ShuffleNet.ImageElements];
        for (int i = 0; i < n; i++)
        {
            var source = tiny.Input.AsSpan(i % tiny.Batch * ShuffleNet.ImageElements, ShuffleNet.ImageElements);
            var target = batch.AsSpan(i * ShuffleNet.ImageElements, ShuffleNet.ImageElements);
            for (int j = 0; j < target.Length; j++) target[j] = source[j] + i;
        }
        return batch;
    }
}
