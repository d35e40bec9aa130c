namespace ShuffleNetGpu.Cli.Pictures;

/// <summary><c>features --png DIR</c>: a <see cref="StageHeatMap"/> per stage map and image of the batch.</summary>
static class FeaturePictures
{
    /// <returns>The files written.</returns>
    public static List<string> Write(string dir, float[] batch, FeatureMaps maps, string inputName, string model)
    {
        Directory.CreateDirectory(dir);
        const int size = ShuffleNetGpu.Networks.Graph.NetworkGraph.InputSize, image = 3 * size * size;
        int images = batch.Length / image;
        var written = new List<string>();
        foreach (int stage in maps.StageNumbers)
        {
            var map = maps[stage];
            int channels = map.Shape[1], h = map.Shape[2], w = map.Shape[3], perImage = channels * h * w;
            for (int n = 0; n < images; n++)
            {
                string path = Path.Combine(dir, images == 1 ? $"{map.Name}.png" : $"{map.Name}-{n}.png");
                StageHeatMap.Save(batch.AsSpan(n * image, image), size, size, map.Data.AsSpan(n * perImage, perImage), channels, h, w,
                    $"{map.Name.ToUpperInvariant()} ({channels}x{h}x{w}, stride {size / h}) of {inputName}{(images == 1 ? "" : $" [{n}]")}, {Path.GetFileName(model)}", path);
                written.Add(path);
            }
        }
        return written;
    }
}
