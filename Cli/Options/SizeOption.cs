using System.CommandLine;
using System.Globalization;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Cli.Options;

/// <summary><c>--size HxW</c>: an input height and width (e.g. <c>800x1216</c>), each checked at parse time against
/// the sizes every network takes (<see cref="InputShapes.MinSize"/>..<see cref="InputShapes.MaxSize"/>).</summary>
static class SizeOption
{
    /// <summary>The option; null when absent (the caller's default, 224x224).</summary>
    public static Option<(int Height, int Width)?> Create(string description) => new("--size")
    {
        Description = description,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            var parts = text.Split('x', 'X');
            if (parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int w))
            {
                if (h >= InputShapes.MinSize && w >= InputShapes.MinSize && h <= InputShapes.MaxSize && w <= InputShapes.MaxSize)
                    return (h, w);
                result.AddError($"--size: height and width must be {InputShapes.MinSize}..{InputShapes.MaxSize} pixels, got '{text}'");
                return null;
            }
            result.AddError($"--size: expected HEIGHTxWIDTH in pixels (e.g. 800x1216), got '{text}'");
            return null;
        },
    };
}
