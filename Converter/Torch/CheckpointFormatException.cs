namespace ShuffleNetGpu.Converter.Torch;

/// <summary>A checkpoint that cannot be read: missing, not a file, truncated, malformed, or asking the unpickler
/// for something it refuses to do. The message is one line: the file, then what was wrong or expected.</summary>
public sealed class CheckpointFormatException : ShuffleNetException
{
    /// <summary>The checkpoint <paramref name="path"/> has <paramref name="problem"/>.</summary>
    public CheckpointFormatException(string path, string problem) : base(Format(path, problem)) => Path = path;

    /// <summary>The checkpoint <paramref name="path"/> has <paramref name="problem"/>, found by <paramref name="inner"/>.</summary>
    public CheckpointFormatException(string path, string problem, Exception inner) : base(Format(path, problem), inner) => Path = path;

    /// <summary>The path or display name of the checkpoint.</summary>
    public string Path { get; }

    // Names inside a hostile file may hold line breaks; keep the message on one line.
    private static string Format(string path, string problem) =>
        $"{path}: {problem}".ReplaceLineEndings(" ");
}

/// <summary>Raised inside the reader without the file name; <see cref="TorchCheckpointReader"/> wraps it.</summary>
internal sealed class TorchFormatError(string message) : Exception(message);
