using System.CommandLine;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Cli.Options;

/// <summary><c>--backend B,B</c> for the commands that check several backends (verify, demo): a comma-separated list,
/// or <c>present</c> (the default) for every backend found here, whose absent ones are listed as comments.</summary>
static class BackendListOption
{
    public static Option<string> Create() => new("--backend")
    {
        Description = $"Comma-separated backends, or 'present' for every backend found here. Of {string.Join(", ", BackendNames.ValidNames)}.",
        DefaultValueFactory = _ => "present",
    };

    /// <summary>The backends named by <paramref name="text"/>; an unknown name is a usage error.</summary>
    public static IReadOnlyList<BackendKind> Select(string text, TextWriter output)
    {
        if (string.Equals(text.Trim(), "present", StringComparison.OrdinalIgnoreCase))
        {
            var probe = ComputeDevice.Probe();
            foreach (var b in probe.Where(b => !b.IsPresent)) output.WriteLine($"# {b.Name}: not present ({b.Detail})");
            return probe.Where(b => b.IsPresent).Select(b => b.Kind).ToList();
        }
        var kinds = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(n => BackendNames.TryParse(n, out var kind) ? kind : throw new UsageException(ChoiceOption.Check("--backend", n, BackendNames.ValidNames)!))
            .Distinct().ToList();
        if (kinds.Count == 0) throw new UsageException("--backend: name at least one backend, or 'present'");
        return kinds;
    }
}
