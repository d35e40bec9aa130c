using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Planning;

/// <summary>
/// The bytes one device's activation arena may take, the one rule behind <see cref="ArenaMemoryException"/>: the smallest
/// of <see cref="ShuffleNet.MaxArenaBytes"/> (the arena alone), <see cref="ShuffleNet.DeviceMemoryLimitBytes"/> less the
/// weights on the device, and what the device reports (<see cref="DeviceMemory"/>: CUDA's free memory, OpenCL's global
/// memory less the weights). A plan over it is refused before anything is allocated or launched, naming the largest
/// batch that fits. <see cref="BatchSizeException"/> stays the other limit, of indices and arrays, whatever the memory.
/// </summary>
internal sealed class ArenaBudget(long weightBytes, DeviceMemory memory)
{
    /// <summary>The arena's own limit (<see cref="ShuffleNet.MaxArenaBytes"/>); null: none.</summary>
    public long? MaxArenaBytes { get; set; }

    /// <summary>The device's memory limit, weights and arena together (<see cref="ShuffleNet.DeviceMemoryLimitBytes"/>); null: none.</summary>
    public long? DeviceLimitBytes { get; set; }

    /// <summary>Where the device's own figures come from (tests replace it).</summary>
    public DeviceMemory Memory { get; set; } = memory;

    /// <summary>Bytes of weights on this device.</summary>
    public long WeightBytes => weightBytes;

    /// <summary>Whether any limit can apply (otherwise the check costs nothing and plans nothing).</summary>
    public bool IsLimited => MaxArenaBytes is not null || DeviceLimitBytes is not null || Memory is not DeviceMemory.None;

    /// <summary>The binding limit for a plan needing <paramref name="neededBytes"/>, and its description, or null when
    /// it fits (an arena already at least that large fits whatever the device reports: nothing is allocated).</summary>
    public (long Bytes, string Why)? Exceeded(long neededBytes, long heldArenaBytes)
    {
        (long Bytes, string Why)? tightest = null;
        void Consider(long bytes, string why)
        {
            if (tightest is null || bytes < tightest.Value.Bytes) tightest = (bytes, why);
        }
        if (MaxArenaBytes is { } arena) Consider(arena, $"the limit of {arena:N0} bytes (ShuffleNet.MaxArenaBytes)");
        if (DeviceLimitBytes is { } device)
            Consider(Math.Max(0, device - weightBytes),
                $"the device memory limit of {device:N0} bytes less {weightBytes:N0} bytes of weights (ShuffleNet.DeviceMemoryLimitBytes)");
        if (neededBytes > heldArenaBytes && Memory.AvailableForArena(weightBytes, heldArenaBytes, out string why) is { } available)
            Consider(available, why);
        return tightest is { } t && neededBytes > t.Bytes ? t : null;
    }

    /// <summary>The largest batch whose plan (same graph, outputs and input placement as <paramref name="plan"/>) needs at
    /// most <paramref name="limitBytes"/> of arena; 0 when one image does not fit. The arena grows with the batch (each
    /// tensor is batch x its size, aligned), so a binary search finds it; it plans about log2(limit / image) times.</summary>
    public static int LargestBatch(MemoryPlan plan, long limitBytes)
    {
        bool inputInArena = plan.Uses(NetworkGraph.InputTensor);
        long Needed(int batch) => MemoryPlanner.Plan(plan.Graph, batch, plan.Outputs, inputInArena).ArenaBytes;
        if (Needed(1) > limitBytes) return 0;
        // The arena holds at least its largest tensor, batch x that tensor's floats: an upper bound for the search.
        long largest = 1;
        foreach (var op in plan.Ops) largest = Math.Max(largest, plan.Graph.Tensors[op.Output.Tensor].ElementsPerImage);
        int low = 1, high = (int)Math.Clamp(limitBytes / (largest * sizeof(float)) + 1, 1, int.MaxValue - 1);
        while (low < high)
        {
            int mid = low + (high - low + 1) / 2;
            if (Needed(mid) <= limitBytes) low = mid; else high = mid - 1;
        }
        return low;
    }
}
