namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>A batch in a <see cref="BatchPipeline"/>: its order, slot and output lengths.</summary>
sealed record PipelineBatch(long Sequence, StagingSlot Slot, long[] Lengths, long Total);
