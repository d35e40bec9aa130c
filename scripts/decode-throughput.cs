// Images/s of the port's decode + preprocessing alone (PreprocessingPool over a folder), for comparison with
// scripts/python-preprocess-throughput.py on the same files. A .NET 10 file-based program:
//   dotnet run -c Release scripts/decode-throughput.cs -- FOLDER [WORKERS]
// Two rounds: the first includes JIT and native-library loading.
#:project ../Imaging/Imaging.csproj
using System.Diagnostics;
using ShuffleNetGpu.Imaging.Pipeline;

var files = Directory.GetFiles(args[0]).Order(StringComparer.Ordinal).ToList();
int workers = args.Length > 1 ? int.Parse(args[1]) : 0;
for (int round = 1; round <= 2; round++)
{
    var pool = new PreprocessingPool(workers);
    var watch = Stopwatch.StartNew();
    int read = pool.Load(files).Count(r => r.Input is not null);
    double seconds = watch.Elapsed.TotalSeconds;
    Console.WriteLine($"round {round}: {read / seconds:F1} images/s ({pool.Workers} workers, {read} of {files.Count} images, {seconds:F2} s)");
}
