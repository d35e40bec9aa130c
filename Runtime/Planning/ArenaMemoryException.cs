namespace ShuffleNetGpu.Runtime.Planning;

/// <summary>A batch whose activation arena is over the device's arena budget (see <see cref="ArenaBudget"/>: the smallest of
/// <see cref="ShuffleNet.MaxArenaBytes"/>, <see cref="ShuffleNet.DeviceMemoryLimitBytes"/> less the weights, and the memory
/// the device reports), or that the system could not allocate. Nothing ran; a smaller batch still works.</summary>
/// <param name="message">One line: the batch, the bytes its plan needs, the limit and the largest batch that fits.</param>
/// <param name="batch">The batch asked for.</param>
/// <param name="neededBytes">The bytes its arena needs (on the device that refused it, for a network over several).</param>
/// <param name="maxBatch">The largest batch whose arena fits the limit; null when the system refused an allocation (the limit is not known).</param>
public sealed class ArenaMemoryException(string message, int batch, long neededBytes, int? maxBatch = null) : ShuffleNetException(message)
{
    /// <summary>The batch asked for.</summary>
    public int Batch { get; } = batch;

    /// <summary>The bytes its arena needs.</summary>
    public long NeededBytes { get; } = neededBytes;

    /// <summary>The largest batch (same outputs, same input size) whose arena fits the limit that refused this one: 0 when
    /// not even one image fits; null when the system refused an allocation, whose limit is not known in advance.</summary>
    public int? MaxBatch { get; } = maxBatch;

    /// <summary>Throws when <paramref name="plan"/>'s arena is over <paramref name="limitBytes"/> (null: no limit).</summary>
    internal static void Check(MemoryPlan plan, long? limitBytes, string backend)
    {
        if (limitBytes is not { } limit || plan.ArenaBytes <= limit) return;
        throw Over(plan, plan.Batch, ArenaBudget.LargestBatch(plan, limit), $"the limit of {limit:N0} bytes", backend, "raise ShuffleNet.MaxArenaBytes");
    }

    /// <summary>The error for a batch of <paramref name="batch"/> images whose plan (or one device's share of it,
    /// <paramref name="plan"/>) needs more than <paramref name="limit"/> (which names the limit and its source).</summary>
    internal static ArenaMemoryException Over(MemoryPlan plan, int batch, int maxBatch, string limit, string device, string remedy) =>
        new($"batch {batch}: its activation arena needs {plan.ArenaBytes:N0} bytes on {device}, more than {limit}; " +
            (maxBatch > 0 ? $"the largest batch that fits is {maxBatch}" : "not even one image fits") + $"; run a smaller batch or {remedy}",
            batch, plan.ArenaBytes, maxBatch);

    /// <summary>The system refused the arena of <paramref name="plan"/>.</summary>
    internal static ArenaMemoryException OutOfMemory(MemoryPlan plan, long bytes, string backend, Exception inner) =>
        new($"batch {plan.Batch}: allocating its activation arena of {bytes:N0} bytes on {backend} failed ({inner.Message}); run a smaller batch",
            plan.Batch, bytes);
}
