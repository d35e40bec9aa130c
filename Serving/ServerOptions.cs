using System.Net;
using ShuffleNetGpu.Serving.Batching;

namespace ShuffleNetGpu.Serving;

/// <summary>Where the server listens and the limits it keeps.</summary>
public sealed record ServerOptions
{
    /// <summary>The address both ports listen on (default: every interface, as a container needs).</summary>
    public IPAddress Address { get; init; } = IPAddress.Any;

    /// <summary>The REST port (HTTP/1.1); 0 picks a free one (see <see cref="InferenceServer.HttpAddress"/>).</summary>
    public int HttpPort { get; init; } = 8000;

    /// <summary>The gRPC port (HTTP/2 without TLS); 0 picks a free one (see <see cref="InferenceServer.GrpcAddress"/>).</summary>
    public int GrpcPort { get; init; } = 8001;

    /// <summary>Dynamic batching, per model.</summary>
    public BatchingOptions Batching { get; init; } = new();

    /// <summary>How long a request may wait for its result (queue and compute) before it is answered 504.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest request body (REST) or message (gRPC) accepted; larger ones get 413 / RESOURCE_EXHAUSTED.
    /// The default, 64 MiB, holds about 100 images as binary FP32 or 10 as JSON text.</summary>
    public long MaxRequestBytes { get; init; } = 64L << 20;

    /// <summary>How long a shutdown waits for requests in flight to finish.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Log requests and batches to the console (off in tests).</summary>
    public bool ConsoleLogging { get; init; } = true;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ShuffleNetException">a value out of range (the message names it).</exception>
    public void Check()
    {
        Batching.Check();
        foreach (var (name, port) in new[] { ("HTTP", HttpPort), ("gRPC", GrpcPort) })
            if (port is < 0 or > 65535) throw new ShuffleNetException($"the {name} port must be 0 to 65535, not {port}");
        if (HttpPort == GrpcPort && HttpPort != 0) throw new ShuffleNetException($"the HTTP and gRPC ports must differ, both are {HttpPort}");
        if (RequestTimeout <= TimeSpan.Zero) throw new ShuffleNetException($"the request timeout must be positive, not {RequestTimeout.TotalMilliseconds} ms");
        if (MaxRequestBytes < 1) throw new ShuffleNetException($"the request size limit must be 1 byte or more, not {MaxRequestBytes}");
    }
}
