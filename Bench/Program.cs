using BenchmarkDotNet.Running;
using ShuffleNetGpu.Bench;

// Kernel and end-to-end benchmarks on every backend present, and the CPU engine against ONNX Runtime:
//   dotnet run -c Release --project Bench -- --filter '*' --inProcess
// (--inProcess: the default toolchain looks for a project named after the assembly, ShuffleNetGpu.Bench.csproj).
// Quick interleaved CPU-vs-ORT table (no BenchmarkDotNet): dotnet run -c Release --project Bench -- compare-ort
if (args.Length > 0 && args[0] == "compare-ort") return CpuOrtPair.Compare(args[1..]);
// ONNX Runtime alone on a dynamic-size export at one size (scripts/size-speed.sh): ... -- ort-size M.onnx --size 800x1216
if (args.Length > 0 && args[0] == "ort-size") return OrtAtSize.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
