namespace ShuffleNetGpu.Cli.Commands;

/// <summary>A <c>bench --compare</c> file that is not <c>bench --json</c> output (names the file and line).</summary>
public sealed class BenchFileException(string message) : ShuffleNetException(message);
