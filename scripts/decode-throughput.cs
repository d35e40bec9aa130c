// Images/s of the port's decode + preprocessing alone (PreprocessingPool over a folder), for comparison with
// scripts/python-preprocess-throughput.py on the same files (same work: decode, resize 256, crop 224, B/G/R float
// planes). A .NET 10 file-based program:
//   dotnet run -c Release scripts/decode-throughput.cs -- FOLDER [WORKERS=all cores] [ROUNDS=5]
// Round 1 includes JIT and native-library loading and is left out of the best figure, as the Python script leaves out
// its workers' start.
#:project ../Imaging/Imaging.csproj
using System.Diagnostics;
using ShuffleNetGpu.Imaging.Pipeline;

var files = Directory.GetFiles(args[0]).Order(StringComparer.Ordinal).ToList();
int workers = args.Length > 1 ? int.Parse(args[1]) : 0;
int rounds = args.Length > 2 ? int.Parse(args[2]) : 5;
double best = 0;
for (int round = 1; round <= rounds; round++)
{
    var pool = new PreprocessingPool(workers);
    var watch = Stopwatch.StartNew();
    int read = pool.Load(files).Count(r => r.Input is not null);
    double seconds = watch.Elapsed.TotalSeconds;
    if (round > 1) best = Math.Max(best, read / seconds);
    Console.WriteLine($"round {round}: {read / seconds:F1} images/s ({pool.Workers} workers, {read} of {files.Count} images, {seconds:F2} s)");
}
Console.WriteLine($"c#: best {best:F1} images/s over rounds 2..{rounds}");
