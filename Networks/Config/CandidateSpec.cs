using System.Globalization;

namespace ShuffleNetGpu.Networks.Config;

/// <summary>
/// A candidate of a search space (<see cref="SearchSpace"/>) written as one shell-safe string, accepted wherever a
/// model id is:
/// <code>
/// FAMILY:CHOICES[:KEY=VALUE]...
///   FAMILY   v2plus | oneshot | detnas
///   CHOICES  one block choice per block, comma-separated: 0, 1, 2 = shuffle 3x3, 5x5, 7x7; 3 = Xception
///   scales=  OneShot (required): one channel scale per block, each one of 0.2, 0.4, ..., 1.6
///   width=   v2plus (required): small | medium | large;  detnas: 300m (20 choices, the default) | 1.3g | 3.8g (40 choices)
///   classes= classifier outputs (default 1000)
/// </code>
/// e.g. <c>oneshot:0,0,3,1,1,1,0,0,2,0,2,1,1,0,2,0,2,1,3,2:scales=1.4,1.2,0.8,1.2,0.6,1.4,0.8,1.0,0.6,1.2,1.6,1.2,1.0,1.4,1.6,1.0,1.0,1.2,1.0,0.8</c>
/// (the released OneShot model), <c>v2plus:0,0,3,...:width=medium</c>, <c>detnas:2,1,0,3,...</c>.
/// Every error is a <see cref="CandidateException"/> naming the bad entry (its index and value) or key.
/// </summary>
public sealed class CandidateSpec
{
    CandidateSpec(string text, ModelConfig config)
    {
        Text = text;
        Config = config;
    }

    /// <summary>The canonical string (keys in a fixed order, the width always written, classes when not 1000).</summary>
    public string Text { get; }

    /// <summary>The candidate's configuration (validated).</summary>
    public ModelConfig Config { get; }

    /// <summary>The canonical string (<see cref="Text"/>).</summary>
    public override string ToString() => Text;

    static readonly Dictionary<string, ModelFamily> Families = new(StringComparer.OrdinalIgnoreCase)
    {
        ["v2plus"] = ModelFamily.V2Plus, ["oneshot"] = ModelFamily.OneShot, ["detnas"] = ModelFamily.DetNas,
    };

    static readonly string[] Keys = ["scales", "width", "classes"];

    /// <summary>True when <paramref name="text"/> is meant as a candidate: it starts with a searched family name and a colon.</summary>
    public static bool IsCandidate(string text)
    {
        int colon = text.IndexOf(':');
        return colon > 0 && Families.ContainsKey(text[..colon]);
    }

    /// <summary>Parses and validates a candidate string (syntax in the class summary).</summary>
    /// <exception cref="CandidateException">bad syntax, a value outside the search space, or a rule of the family broken.</exception>
    public static CandidateSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        CandidateException Bad(string what) => new($"candidate '{text}': {what}");
        var parts = text.Trim().Split(':');
        if (parts.Length < 2 || !Families.TryGetValue(parts[0].Trim(), out var family))
            throw Bad($"expected FAMILY:CHOICES[:key=value]... with FAMILY one of {string.Join(", ", Families.Keys)}");
        string name = parts[0].Trim().ToLowerInvariant();

        var options = new Dictionary<string, string>();
        foreach (var option in parts[2..])
        {
            int eq = option.IndexOf('=');
            string key = eq < 0 ? option.Trim() : option[..eq].Trim().ToLowerInvariant();
            if (eq < 0 || !Keys.Contains(key)) throw Bad($"'{option}' is not key=value with a key of {string.Join(", ", Keys)}");
            if (!options.TryAdd(key, option[(eq + 1)..].Trim())) throw Bad($"{key} is given twice");
        }

        var choices = Integers(parts[1], "entry", Bad);
        int classes = ModelZoo.ImageNetClasses;
        if (options.TryGetValue("classes", out var classText) &&
            (!int.TryParse(classText, NumberStyles.None, CultureInfo.InvariantCulture, out classes) || classes is < 1 or > ModelConfig.MaxClasses))
            throw Bad($"classes = '{classText}' is not a positive integer up to {ModelConfig.MaxClasses} (the configuration's num_classes)");
        options.TryGetValue("width", out var width);
        if (family != ModelFamily.OneShot && options.ContainsKey("scales"))
            throw Bad($"scales= is OneShot's; {name} has none");

        ModelConfig config;
        try
        {
            switch (family)
            {
                case ModelFamily.V2Plus:
                    width = width?.ToLowerInvariant() ?? throw Bad($"v2plus needs width= one of {string.Join(", ", SearchSpace.V2PlusWidths.Keys)}");
                    config = SearchSpace.V2Plus(width, choices, classes);
                    break;
                case ModelFamily.OneShot:
                    if (width is not null) throw Bad("oneshot has one width (the supernet's); it takes no width=");
                    var scaleText = options.GetValueOrDefault("scales") ?? throw Bad($"oneshot needs scales= (one per block, each one of {string.Join(", ", SearchSpace.OneShotScales.Select(Format))})");
                    config = SearchSpace.OneShot(choices, Doubles(scaleText, Bad), classes);
                    break;
                default:
                    width = width?.ToLowerInvariant() ?? (choices.Length == SearchSpace.BlockCount(ModelFamily.DetNas, "300m") ? "300m"
                        : throw Bad($"{choices.Length} choices: detnas takes 20 (width 300m) or 40 with width=1.3g or width=3.8g"));
                    config = SearchSpace.DetNas(width, choices, classes);
                    break;
            }
        }
        catch (CandidateException e) when (!e.Message.StartsWith("candidate '", StringComparison.Ordinal))
        {
            throw Bad(e.Message);
        }

        var canonical = new List<string> { name, string.Join(",", config.Choices!) };
        if (family == ModelFamily.OneShot) canonical.Add("scales=" + string.Join(",", Doubles(options["scales"], Bad).Select(Format)));
        if (width is not null) canonical.Add("width=" + width);
        if (classes != ModelZoo.ImageNetClasses) canonical.Add($"classes={classes}");
        return new CandidateSpec(string.Join(":", canonical), config);
    }

    static string Format(double v) => v.ToString("0.0##", CultureInfo.InvariantCulture);

    static int[] Integers(string list, string what, Func<string, CandidateException> bad)
    {
        var items = list.Split(',');
        var values = new int[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            // Each entry is checked here, before the length, so the error names the first bad entry itself.
            bool number = int.TryParse(items[i].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out values[i]);
            if (!number || values[i] is < 0 or > 3)
                throw bad($"{what} {i} = {(number ? values[i] : $"'{items[i].Trim()}'")} is not a block choice (0, 1, 2 = shuffle 3x3, 5x5, 7x7; 3 = Xception)");
        }
        return values;
    }

    static double[] Doubles(string list, Func<string, CandidateException> bad)
    {
        var items = list.Split(',');
        var values = new double[items.Length];
        for (int i = 0; i < items.Length; i++)
            if (!double.TryParse(items[i].Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out values[i]))
                throw bad($"scales entry {i} = '{items[i].Trim()}' is not a number");
        return values;
    }
}
