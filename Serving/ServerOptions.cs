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

    /// <summary>The slowest a client may send a request body, after <see cref="SlowClientGracePeriod"/>: slower
    /// (a stalled or trickling upload) and the request is answered 408 and its connection closed. A body is read whole
    /// before its request joins a batch, so a slow sender holds only its own connection, never the batcher; this limit
    /// frees that connection. Default 1 KiB/s: a 100 KB JPEG over a 1 Mbit/s link arrives at about 120 KiB/s.</summary>
    public long MinRequestBodyBytesPerSecond { get; init; } = 1024;

    /// <summary>The slowest a client may read its response, after <see cref="SlowClientGracePeriod"/>: slower and the
    /// connection is closed. A response is written after its batch has been split, so a slow reader holds only its own
    /// connection and result. Default 1 KiB/s.</summary>
    public long MinResponseBytesPerSecond { get; init; } = 1024;

    /// <summary>How long a client may stay below the minimum rates before they apply (default 5 s, Kestrel's).</summary>
    public TimeSpan SlowClientGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a client may take to send a request's headers (default 10 s: they are a few hundred bytes).</summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(10);

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
        if (MinRequestBodyBytesPerSecond < 1 || MinResponseBytesPerSecond < 1)
            throw new ShuffleNetException($"the minimum data rates must be 1 byte/s or more, not {MinRequestBodyBytesPerSecond} and {MinResponseBytesPerSecond}");
        // Kestrel checks the rates once a second and refuses a grace of 1 s or less.
        if (SlowClientGracePeriod <= TimeSpan.FromSeconds(1)) throw new ShuffleNetException($"the slow-client grace period must be more than 1 s, not {SlowClientGracePeriod.TotalSeconds} s");
        if (RequestHeadersTimeout <= TimeSpan.Zero) throw new ShuffleNetException($"the request headers timeout must be positive, not {RequestHeadersTimeout.TotalSeconds} s");
    }
}
