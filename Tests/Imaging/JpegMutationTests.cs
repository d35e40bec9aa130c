using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Tests.Fuzzing;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Imaging;

/// <summary>Damaged JPEGs reach libjpeg-turbo (native code) through Skia: each must decode or be refused with the typed
/// error naming the file, never another exception or a crash, each within seconds.</summary>
public sealed class JpegMutationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("s420-q90")]
    [InlineData("progressive")]
    public void MutatedJpegsDecodeOrFailWithATypedError(string name)
    {
        var valid = File.ReadAllBytes(Path.Combine(Fixtures.Root, "jpeg", name + ".jpg"));
        int headers = valid.AsSpan().IndexOf([(byte)0xFF, (byte)0xDA]) + 14;   // markers and tables, up to the first scan's data
        var rng = new Random(12_0 + name.Length);
        var cases = new List<(string, MutantBuilder)>();
        for (int i = 0; i < 200; i++)
        {
            // Half the damage lands in the markers and tables, where the parsing is; half in the entropy-coded data.
            var m = ByteMutation.Draw(rng, r => r.Next(2) == 0 ? r.Next(headers) : r.Next(valid.Length));
            cases.Add((m.ToString(), scratch => m.Apply(valid, scratch)));
        }
        // A small pixel limit: a mutated frame header may declare a large image, which is refused rather than decoded.
        MutationRunner.Run(output, name, valid.Length + ByteMutation.MaxGrowth, cases.ToArray(),
            (file, _) => ImagePreprocessor.FromEncoded(file, "hostile.jpg", maxPixels: 1 << 20).Length == 3 * 224 * 224 ? null : "wrong input size",
            e => e is ImageFormatException && e.Message.StartsWith("hostile.jpg: ", StringComparison.Ordinal) && !e.Message.Contains('\n'),
            TimeSpan.FromSeconds(10));
    }
}
