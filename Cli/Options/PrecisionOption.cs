using System.CommandLine;
using ShuffleNetGpu.Runtime;

namespace ShuffleNetGpu.Cli.Options;

/// <summary><c>--precision fp32|tf32</c>: the pointwise GEMMs' arithmetic (tf32: CUDA tensor cores, opt-in; the other
/// backends refuse it with an error naming them).</summary>
static class PrecisionOption
{
    static readonly string[] Names = ["fp32", "tf32"];

    public static Option<Precision> Create() => new("--precision")
    {
        Description = "fp32 (default, exact) or tf32 (CUDA tensor cores for the 1x1 convolutions: logits within 1e-2 relative L2, same top-1; other backends refuse it).",
        DefaultValueFactory = _ => Precision.Fp32,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            switch (text.Trim().ToLowerInvariant())
            {
                case "fp32": return Precision.Fp32;
                case "tf32": return Precision.Tf32;
                default:
                    result.AddError(ChoiceOption.Check("--precision", text, Names)!);
                    return Precision.Fp32;
            }
        },
    };
}
