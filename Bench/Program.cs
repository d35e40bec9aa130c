using BenchmarkDotNet.Running;

// Kernel and end-to-end benchmarks. Run: dotnet run -c Release --project Bench -- --filter '*' --inProcess
// (--inProcess: the default toolchain looks for a project named after the assembly, ShuffleNetGpu.Bench.csproj).
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
