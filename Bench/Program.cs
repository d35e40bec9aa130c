using BenchmarkDotNet.Running;
using ShuffleNetGpu.Bench;

// Kernel and end-to-end benchmarks on every backend present, and the CPU engine against ONNX Runtime:
//   dotnet run -c Release --project Bench -- --filter '*' --inProcess
// (--inProcess: the default toolchain looks for a project named after the assembly, ShuffleNetGpu.Bench.csproj).
// The CPU engine against ONNX Runtime, each engine alone in its own process: scripts/cpu-vs-ort.sh (runs `alone` per
// engine, model, batch and round, then `alone-table`).
switch (args.FirstOrDefault())
{
    case "alone": return EngineAlone.Run(args[1..]);
    case "alone-table": return AloneTable.Run(args[1..]);
    // ONNX Runtime alone on a dynamic-size export at one size (scripts/size-speed.sh): ... -- ort-size M.onnx --size 800x1216
    case "ort-size": return OrtAtSize.Run(args[1..]);
    case "compare-ort":
        // Both engines in one process measured their two spinning thread pools fighting for 2 cores (issue 14).
        Console.Error.WriteLine("compare-ort is replaced by scripts/cpu-vs-ort.sh, which runs each engine alone in its own process");
        return 2;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
