using System.CommandLine;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary><c>--threads</c>: threads of the cpu backend (the SIMD engine); results do not depend on it.</summary>
static class CpuThreadsOption
{
    public static Option<int> Create() => new("--threads")
    {
        Description = "Threads of the cpu backend, the calling thread included (0: one per processor). Ignored by the other backends; results do not depend on it.",
        DefaultValueFactory = _ => 0,
    };
}
