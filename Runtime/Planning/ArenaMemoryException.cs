namespace ShuffleNetGpu.Runtime.Planning;

/// <summary>A batch whose activation arena is over the network's <see cref="ShuffleNet.MaxArenaBytes"/>, or that the
/// system could not allocate. Nothing ran; a smaller batch still works.</summary>
/// <param name="message">One line: the batch, the bytes its plan needs and the limit.</param>
/// <param name="batch">The batch asked for.</param>
/// <param name="neededBytes">The bytes its arena needs.</param>
public sealed class ArenaMemoryException(string message, int batch, long neededBytes) : ShuffleNetException(message)
{
    /// <summary>The batch asked for.</summary>
    public int Batch { get; } = batch;

    /// <summary>The bytes its arena needs.</summary>
    public long NeededBytes { get; } = neededBytes;

    /// <summary>Throws when <paramref name="plan"/>'s arena is over <paramref name="limitBytes"/> (null: no limit).</summary>
    internal static void Check(MemoryPlan plan, long? limitBytes, string backend)
    {
        if (limitBytes is not { } limit || plan.ArenaBytes <= limit) return;
        throw new ArenaMemoryException(
            $"batch {plan.Batch}: its activation arena needs {plan.ArenaBytes:N0} bytes on {backend}, more than the limit of {limit:N0} bytes; " +
            "run a smaller batch or raise ShuffleNet.MaxArenaBytes", plan.Batch, plan.ArenaBytes);
    }

    /// <summary>The system refused the arena of <paramref name="plan"/>.</summary>
    internal static ArenaMemoryException OutOfMemory(MemoryPlan plan, long bytes, string backend, Exception inner) =>
        new($"batch {plan.Batch}: allocating its activation arena of {bytes:N0} bytes on {backend} failed ({inner.Message}); run a smaller batch",
            plan.Batch, bytes);
}
