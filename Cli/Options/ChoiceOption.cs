using System.CommandLine;

namespace ShuffleNetGpu.Cli.Options;

/// <summary>Options whose value is one of a fixed set of names, checked at parse time with one wording
/// (<c>--labels: expected one of index, synsets, got 'x'</c>).</summary>
static class ChoiceOption
{
    public static Option<string> Create(string name, string description, IReadOnlyList<string> choices, string? defaultValue = null)
    {
        var option = new Option<string>(name) { Description = description };
        if (defaultValue is not null) option.DefaultValueFactory = _ => defaultValue;
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && Check(name, result.Tokens[^1].Value, choices) is { } error) result.AddError(error);
        });
        return option;
    }

    /// <summary>Null if <paramref name="value"/> is one of <paramref name="choices"/>, else the one-line error.</summary>
    public static string? Check(string name, string value, IEnumerable<string> choices) =>
        choices.Contains(value) ? null : $"{name}: expected one of {string.Join(", ", choices)}, got '{value}'";
}
