using System.CommandLine;
using System.Globalization;
using ShuffleNetGpu.Cli.Options;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Imaging;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>
/// The detection-style input options of <c>features</c> and <c>embed</c>: images at their own size, optionally resized
/// by the short side (<c>--resize-short S [--max-long L]</c>), padded (<c>--pad-to 32</c>) and normalised
/// (<c>--mean</c>, <c>--std</c>), never cropped. With none of them an image is preprocessed as upstream evaluation does
/// (224 x 224).
/// </summary>
sealed class InputSizeOptions
{
    readonly Option<bool> _ownSize = new("--own-size") { Description = "Feed images at their own size (no resize, no crop) instead of upstream evaluation's 224 x 224 crop." };
    readonly Option<int?> _resizeShort = NumberOption.Optional("--resize-short", "Resize each image so its short side is S pixels (aspect kept, OpenCV bilinear), no crop.", 1, InputShapes.MaxSize);
    readonly Option<int?> _maxLong = NumberOption.Optional("--max-long", "With --resize-short: shrink the scale so the long side is at most L pixels.", 1, InputShapes.MaxSize);
    readonly Option<int?> _padTo = NumberOption.Optional("--pad-to", "Pad the bottom and right with zeros to multiples of P pixels (e.g. 32, C5's stride).", 1, 1024);
    readonly Option<float[]?> _mean = Triple("--mean", "Subtract B,G,R from the 0..255 values (default none, as upstream; ShuffleNetV2.Large needs one: its 224x224 mean image fits only upstream's evaluation crop).");
    readonly Option<float[]?> _std = Triple("--std", "Then divide by B,G,R (default 1,1,1 as upstream).");

    /// <summary>The options, to add to a command.</summary>
    public IEnumerable<Option> All => [_ownSize, _resizeShort, _maxLong, _padTo, _mean, _std];

    /// <summary>The preprocessing asked for, or null when none of these options was given (upstream evaluation's 224 crop).</summary>
    public DetectionPreprocessing? Read(ParseResult parse)
    {
        bool own = parse.GetValue(_ownSize);
        int? resize = parse.GetValue(_resizeShort), maxLong = parse.GetValue(_maxLong), pad = parse.GetValue(_padTo);
        // An absent list option reads as an empty array.
        float[]? mean = parse.GetValue(_mean) is { Length: > 0 } m ? m : null, std = parse.GetValue(_std) is { Length: > 0 } s ? s : null;
        if (!own && resize is null && maxLong is null && pad is null && mean is null && std is null) return null;
        if (maxLong is not null && resize is null) throw new UsageException("--max-long needs --resize-short");
        if (own && resize is not null) throw new UsageException("--own-size and --resize-short contradict each other: pick one");
        var options = new DetectionPreprocessing(resize ?? 0, maxLong ?? 0, pad ?? 1, mean, std ?? [1, 1, 1]);
        try { options.Validate(); }
        catch (ShuffleNetException e) { throw new UsageException(e.Message); }
        return options;
    }

    static Option<float[]?> Triple(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            var parts = text.Split(',', StringSplitOptions.TrimEntries);
            var values = new float[parts.Length];
            bool ok = parts.Length == 3;
            for (int i = 0; i < parts.Length && ok; i++)
                ok = float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && float.IsFinite(values[i]);
            if (!ok) { result.AddError($"{name}: expected three numbers B,G,R, got '{text}'"); return null; }
            return values;
        },
    };
}
