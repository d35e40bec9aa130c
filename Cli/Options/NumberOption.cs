using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace ShuffleNetGpu.Cli.Options;

/// <summary>
/// Integer options, parsed and range-checked at parse time with one wording for every option
/// (<c>--threads: expected an integer &gt;= 0, got '-2'</c>), so no error names a .NET type or an internal name.
/// </summary>
static class NumberOption
{
    /// <summary>An integer option of at least <paramref name="min"/> (and at most <paramref name="max"/> if given).</summary>
    public static Option<T> Create<T>(string name, string description, T defaultValue, T min, T? max = null) where T : struct, INumber<T>
    {
        return new Option<T>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result => Parse(result, name, min, max),
        };
    }

    /// <summary>An integer option with no default (null when absent), of at least <paramref name="min"/>.</summary>
    public static Option<T?> Optional<T>(string name, string description, T min, T? max = null) where T : struct, INumber<T>
    {
        return new Option<T?>(name)
        {
            Description = description,
            CustomParser = result => Parse(result, name, min, max),
        };
    }

    /// <summary>A comma-separated list of integers, each in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int[]> List(string name, string description, string defaultText, int min, int max)
    {
        return new Option<int[]>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultText.Split(',').Select(int.Parse).ToArray(),
            CustomParser = result =>
            {
                var parts = Text(result).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 0) { result.AddError($"{name}: expected one or more integers, comma-separated, got ''"); return []; }
                var values = new int[parts.Length];
                for (int i = 0; i < parts.Length; i++)
                    if (Check(parts[i], name, min, max, out values[i]) is { } error) { result.AddError(error); return []; }
                return values;
            },
        };
    }

    static T Parse<T>(ArgumentResult result, string name, T min, T? max) where T : struct, INumber<T>
    {
        if (Check(Text(result), name, min, max, out T value) is { } error) result.AddError(error);
        return value;
    }

    static string Text(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";

    /// <summary>Null if <paramref name="text"/> is an integer in range, else the one-line error.</summary>
    static string? Check<T>(string text, string name, T min, T? max, out T value) where T : struct, INumber<T>
    {
        if (T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && (max is not { } hi || value <= hi))
            return null;
        string range = max is { } top ? $"between {min} and {top}" : $">= {min}";
        return $"{name}: expected an integer {range}, got '{text}'";
    }
}
