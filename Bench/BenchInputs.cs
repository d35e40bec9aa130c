namespace ShuffleNetGpu.Bench;

/// <summary>Deterministic image-like inputs (values 0..255, NCHW 3 x 224 x 224 per image) for the benchmarks.</summary>
public static class BenchInputs
{
    public static void Fill(Span<float> batch, int seed = 1)
    {
        var rng = new Random(seed);
        const int size = 224;
        for (int i = 0; i < batch.Length; i++)
        {
            int x = i % size, y = i / size % size, c = i / (size * size) % 3;
            batch[i] = (float)Math.Clamp(128 + 60 * Math.Sin((x + 3 * c) / 17.0) * Math.Cos(y / 23.0) + rng.Next(-20, 21), 0, 255);
        }
    }
}
