namespace ShuffleNetGpu.Cli.Pictures;

/// <summary><c>features --png DIR</c>: a <see cref="StageHeatMap"/> per stage map and image of the batch.</summary>
static class FeaturePictures
{
    /// <summary>One picture per stage map and image of <paramref name="batch"/> (N x 3 x <paramref name="height"/> x <paramref name="width"/>).</summary>
    /// <returns>The files written.</returns>
    public static List<string> Write(string dir, float[] batch, int height, int width, FeatureMaps maps, string inputName, string model)
    {
        Directory.CreateDirectory(dir);
        int image = 3 * height * width;
        int images = batch.Length / image;
        var written = new List<string>();
        foreach (int stage in maps.StageNumbers)
        {
            var map = maps[stage];
            int channels = map.Shape[1], h = map.Shape[2], w = map.Shape[3], perImage = channels * h * w;
            for (int n = 0; n < images; n++)
            {
                string path = Path.Combine(dir, images == 1 ? $"{map.Name}.png" : $"{map.Name}-{n}.png");
                StageHeatMap.Save(batch.AsSpan(n * image, image), height, width, map.Data.AsSpan(n * perImage, perImage), channels, h, w,
                    $"{map.Name.ToUpperInvariant()} ({channels}x{h}x{w}, stride {height / h}) of {inputName}{(images == 1 ? "" : $" [{n}]")}, {Path.GetFileName(model)}", path);
                written.Add(path);
            }
        }
        return written;
    }
}
