using BenchmarkDotNet.Running;

// Kernel and end-to-end benchmarks on every backend present (scripts/bench.sh runs them and copies the markdown
// tables into docs/benchmarks/). Run one class: dotnet run -c Release --project Bench -- --filter '*ModelBenchmarks*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
