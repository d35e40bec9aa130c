using System.CommandLine;

namespace ShuffleNetGpu.Cli.Progress;

/// <summary><c>--quiet</c>: no progress on stderr (errors and warnings still go there).</summary>
static class QuietOption
{
    public static Option<bool> Create() => new("--quiet", "-q") { Description = "Show no progress on stderr (errors and warnings still appear)." };
}
