using BenchmarkDotNet.Running;

// Kernel and end-to-end benchmarks. Run: dotnet run -c Release --project Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
