#:project ../Imaging/Imaging.csproj
#:property AllowUnsafeBlocks=true
// Per-stage milliseconds per image of the port's decode + preprocessing (for each image the fastest of REPS runs,
// summed over the images, divided by their count: robust on a loaded machine), for comparison with
// scripts/python-preprocess-stages.py on the same files in the same minute. A .NET 10 file-based program:
//   dotnet run -c Release scripts/decode-stages.cs -- FOLDER [REPS=7]
using System.Diagnostics;
using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Imaging.Decoding;
using ShuffleNetGpu.Imaging.Pipeline;
using SkiaSharp;

var files = Directory.GetFiles(args[0]).Order(StringComparer.Ordinal).ToList();
int reps = args.Length > 1 ? int.Parse(args[1]) : 7;
var bytes = files.Select(File.ReadAllBytes).ToList();
double Best(Action<int> a) { double total = 0; for (int i = 0; i < files.Count; i++) { double b = 1e9; for (int r = 0; r < reps; r++) { var w = Stopwatch.StartNew(); a(i); b = Math.Min(b, w.Elapsed.TotalMilliseconds); } total += b; } return total / files.Count; }
var decoded = bytes.Select((b, i) => ImageDecoder.Decode(b, files[i], ImagePreprocessor.DefaultMaxPixels)).ToArray();
unsafe void Skia(int i)
{
    fixed (byte* p = bytes[i])
    {
        using var data = SKData.Create((nint)p, bytes[i].Length);
        using var codec = SKCodec.Create(data);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.Width * info.Height * 4];
        fixed (byte* q = rgba) codec.GetPixels(info, (nint)q);
    }
}
for (int warm = 0; warm < 3; warm++) for (int i = 0; i < files.Count; i++) { Skia(i); ImagePreprocessor.Load(files[i]); }
double skia = Best(Skia);
double decode = Best(i => ImageDecoder.Decode(bytes[i], files[i], ImagePreprocessor.DefaultMaxPixels));
double preprocess = Best(i => ImagePreprocessor.Preprocess(decoded[i].Rgb, decoded[i].Width, decoded[i].Height));
double whole = Best(i => ImagePreprocessor.Load(files[i]));
int gen2 = GC.CollectionCount(2);
double Pool(int workers) { double b = 1e9; for (int r = 0; r < reps; r++) { var w = Stopwatch.StartNew(); new PreprocessingPool(workers).Load(files).Count(); b = Math.Min(b, w.Elapsed.TotalMilliseconds); } return b / files.Count; }
double pool1 = Pool(1), pool2 = Pool(2);
Console.WriteLine($"C# ms/image: Skia (libjpeg-turbo) decode to RGBA {skia:F3} | ImageDecoder.Decode to RGB {decode:F3} | "
    + $"Preprocess from RGB (resize + crop + float planes) {preprocess:F3} | ImagePreprocessor.Load(file), all of it {whole:F3}");
Console.WriteLine($"PreprocessingPool, fastest whole pass: 1 worker {pool1:F3}, 2 workers {pool2:F3} ms/image; gen-2 GCs during the pools: "
    + $"{GC.CollectionCount(2) - gen2}; server GC: {System.Runtime.GCSettings.IsServerGC}");
