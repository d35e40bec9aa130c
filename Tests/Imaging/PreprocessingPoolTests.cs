using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Imaging.Pipeline;

namespace ShuffleNetGpu.Tests.Imaging;

public sealed class PreprocessingPoolTests
{
    static string Jpeg(string name) => Path.Combine(Fixtures.Root, "jpeg", name + ".jpg");

    [Fact]
    public void ResultsComeInOrderWithErrorsInPlaceAndEqualTheSerialLoad()
    {
        string[] names = ["s420-q90", "grey", "progressive", "cmyk", "size-17x9", "s444-q95", "restart", "ycck"];
        var files = Enumerable.Range(0, 24).Select(i => Jpeg(names[i % names.Length])).ToList();
        files[5] = Path.Combine(Fixtures.Root, "jpeg", "absent.jpg");
        files[11] = Path.Combine(Fixtures.Root, "jpeg", "index.json");
        var pool = new PreprocessingPool(workers: 3, maxAhead: 4);

        var results = pool.Load(files).ToList();

        Assert.Equal(files, results.Select(r => r.Path));
        Assert.IsType<FileNotFoundException>(results[5].Error);
        Assert.IsType<ImageFormatException>(results[11].Error);
        Assert.Contains("index.json", results[11].Error!.Message);
        var serial = names.ToDictionary(Jpeg, n => ImagePreprocessor.Load(Jpeg(n)));
        for (int i = 0; i < files.Count; i++)
            if (i is not (5 or 11)) Assert.Equal(serial[files[i]], results[i].Input);
        Assert.Equal(files.Count, pool.Images);
        Assert.True(pool.ImagesPerSecond > 0);
    }

    [Fact]
    public void NoMoreThanMaxAheadImagesAreDecodedBeforeTheConsumerTakesThem()
    {
        var files = Enumerable.Repeat(Jpeg("s420-q50"), 12).ToList();
        var pool = new PreprocessingPool(workers: 2, maxAhead: 3);
        using var e = pool.Load(files).GetEnumerator();
        Assert.True(e.MoveNext());
        Thread.Sleep(300);          // time enough for the workers to run ahead, were they unbounded
        Assert.InRange(pool.Images, 1, 1 + 3);
    }
}
