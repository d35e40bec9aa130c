namespace ShuffleNetGpu.Cli.Merging;

/// <summary>A shard output that <c>shufflenet merge</c> cannot join: missing, given twice, or not matching the
/// other shards (a different shard count, row width, map set or format). The message names the file.</summary>
public sealed class ShardFileException(string message) : ShuffleNetException(message);
