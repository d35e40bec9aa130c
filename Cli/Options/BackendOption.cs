using System.CommandLine;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Cli.Options;

/// <summary><c>--backend</c>: one backend name, parsed at parse time (an unknown name is a usage error).</summary>
static class BackendOption
{
    public static Option<BackendKind> Create() => new("--backend")
    {
        Description = $"One of {string.Join(", ", BackendNames.ValidNames)}.",
        DefaultValueFactory = _ => BackendKind.Auto,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (BackendNames.TryParse(text, out var kind)) return kind;
            result.AddError(ChoiceOption.Check("--backend", text, BackendNames.ValidNames)!);
            return BackendKind.Auto;
        },
    };
}
