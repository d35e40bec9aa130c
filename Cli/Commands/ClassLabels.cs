using ShuffleNetGpu.Imaging.Classes;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>
/// The name printed for each class: the user's labels file if given (one label per line, as many lines as the model
/// has classes), else ImageNet's names for a 1000-class model, else the class number: ImageNet's first ten names on
/// a 10-class model would be a made-up prediction.
/// </summary>
sealed class ClassLabels
{
    readonly string[]? _names;

    ClassLabels(string[]? names) => _names = names;

    /// <exception cref="LabelsFileException">The file's label count differs from <paramref name="classes"/>, or a label is empty.</exception>
    public static ClassLabels For(int classes, string? labelsFile)
    {
        if (labelsFile is null)
            return new ClassLabels(classes == ImageNetLabels.Count ? Enumerable.Range(0, classes).Select(ImageNetLabels.Of).ToArray() : null);
        if (!File.Exists(labelsFile)) throw new FileNotFoundException($"{labelsFile}: labels file not found", labelsFile);
        var lines = File.ReadAllLines(labelsFile).Select(l => l.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1); // trailing blank lines
        if (lines.Count != classes)
            throw new LabelsFileException($"{labelsFile}: {lines.Count} labels, but the model has {classes} classes (one label per line)");
        int blank = lines.FindIndex(l => l.Length == 0);
        if (blank >= 0) throw new LabelsFileException($"{labelsFile}: line {blank + 1} is empty (one label per line)");
        return new ClassLabels(lines.ToArray());
    }

    public string Of(int index) => _names is not null ? _names[index] : $"class {index}";
}
