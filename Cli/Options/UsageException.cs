namespace ShuffleNetGpu.Cli.Options;

/// <summary>A command line the user must change (a bad option value, options that do not go together, an output that
/// would overwrite an input): one line on stderr and exit code 2, apart from the runtime errors' 1.</summary>
public sealed class UsageException(string message) : ShuffleNetException(message);
