namespace ShuffleNetGpu.Cli.Commands;

/// <summary>A <c>--labels</c> file that cannot label the model's classes (wrong line count, an empty label).</summary>
public sealed class LabelsFileException(string message) : ShuffleNetException(message);
