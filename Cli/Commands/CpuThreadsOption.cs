using System.CommandLine;
using ShuffleNetGpu.Cli.Options;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary><c>--threads</c>: threads of the cpu backend (the SIMD engine); results do not depend on it.</summary>
static class CpuThreadsOption
{
    public static Option<int> Create() => NumberOption.Create("--threads",
        "Threads of the cpu backend, the calling thread included (0: one per processor). Ignored by the other backends; results do not depend on it.",
        defaultValue: 0, min: 0);
}
