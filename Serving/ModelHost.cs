using ShuffleNetGpu.Serving.Batching;
using ShuffleNetGpu.Serving.Metrics;

namespace ShuffleNetGpu.Serving;

/// <summary>A served model with its batcher.</summary>
sealed class ModelHost(ServedModel model, BatchingOptions options, ServingMetrics metrics) : IAsyncDisposable
{
    public string Name => model.Name;
    public ShuffleNet Net => model.Net;
    public DynamicBatcher Batcher { get; } = new(model.Name, model.Net, options, metrics);

    /// <summary>The platform metadata reports: the library and the device's backend.</summary>
    public string Platform => $"shufflenet_{Net.Backend.ToString().ToLowerInvariant()}";

    public ValueTask DisposeAsync() => Batcher.DisposeAsync();
}
