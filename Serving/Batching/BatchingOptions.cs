namespace ShuffleNetGpu.Serving.Batching;

/// <summary>How requests are gathered into batches (per model).</summary>
public sealed record BatchingOptions
{
    /// <summary>The most images in one forward pass (a single request with more runs alone). 1 turns batching off.</summary>
    public int MaxBatch { get; init; } = 8;

    /// <summary>How long the first request of a batch waits for others; zero takes only what is already queued.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Requests that may wait or run at once per model; one more is refused with 503 at once.</summary>
    public int MaxQueue { get; init; } = 256;

    /// <summary>Checks the values (called by the server before it starts).</summary>
    /// <exception cref="ShuffleNetException">a value out of range (the message names it).</exception>
    public void Check()
    {
        if (MaxBatch < 1) throw new ShuffleNetException($"max batch must be 1 or more, not {MaxBatch}");
        if (MaxDelay < TimeSpan.Zero) throw new ShuffleNetException($"max delay must be 0 or more, not {MaxDelay.TotalMilliseconds} ms");
        if (MaxQueue < 1) throw new ShuffleNetException($"max queue must be 1 or more, not {MaxQueue}");
    }
}
