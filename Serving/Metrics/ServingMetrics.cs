using Prometheus;

namespace ShuffleNetGpu.Serving.Metrics;

/// <summary>
/// The server's Prometheus metrics, in a registry of its own (so servers in one process, as in the tests, count
/// apart): requests and failures per model and protocol, queue time, compute time and batch size per model and device.
/// </summary>
public sealed class ServingMetrics
{
    readonly Counter _requests, _failures, _rejected;
    readonly Histogram _queueSeconds, _computeSeconds, _batchImages;

    /// <summary>Creates the metrics in a new registry.</summary>
    public ServingMetrics()
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _requests = factory.CreateCounter("shufflenet_requests_total", "Inference requests received.", "model", "protocol");
        _failures = factory.CreateCounter("shufflenet_request_failures_total", "Inference requests answered with an error.", "model", "protocol", "status");
        _rejected = factory.CreateCounter("shufflenet_queue_rejections_total", "Requests refused because the model's queue was full.", "model");
        _queueSeconds = factory.CreateHistogram("shufflenet_queue_seconds", "Time a request waited before its batch ran.",
            new HistogramConfiguration { LabelNames = ["model"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
        _computeSeconds = factory.CreateHistogram("shufflenet_compute_seconds", "Time one batch took to run.",
            new HistogramConfiguration { LabelNames = ["model", "device"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        _batchImages = factory.CreateHistogram("shufflenet_batch_images", "Images per forward pass.",
            new HistogramConfiguration { LabelNames = ["model", "device"], Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
    }

    /// <summary>The registry served at <c>/metrics</c>.</summary>
    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    internal void Request(string model, string protocol) => _requests.WithLabels(model, protocol).Inc();
    internal void Failure(string model, string protocol, string status) => _failures.WithLabels(model, protocol, status).Inc();
    internal void Rejected(string model) => _rejected.WithLabels(model).Inc();
    internal void Queued(string model, TimeSpan wait) => _queueSeconds.WithLabels(model).Observe(wait.TotalSeconds);

    internal void Batch(string model, string device, int images, TimeSpan compute)
    {
        _batchImages.WithLabels(model, device).Observe(images);
        _computeSeconds.WithLabels(model, device).Observe(compute.TotalSeconds);
    }
}
