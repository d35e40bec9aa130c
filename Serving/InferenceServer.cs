using System.Net;
using Microsoft.AspNetCore.Hosting;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Prometheus;
using ShuffleNetGpu.Serving.Metrics;
using ShuffleNetGpu.Serving.Rest;
using ShuffleNetGpu.Serving.Rpc;

namespace ShuffleNetGpu.Serving;

/// <summary>
/// An Open Inference Protocol (KServe v2) server for loaded networks: REST on one port, gRPC
/// (<c>inference.GRPCInferenceService</c>) on another, Prometheus metrics at <c>/metrics</c> on the REST port.
/// Requests to one model are gathered into batches (<see cref="Batching.BatchingOptions"/>).
/// <code>
/// await using var server = InferenceServer.Create([new ServedModel("v2", net)], new ServerOptions { HttpPort = 8000 });
/// await server.StartAsync();
/// await server.WaitForShutdownAsync();   // Ctrl+C or SIGTERM: finishes the requests in flight, then returns
/// </code>
/// </summary>
public sealed partial class InferenceServer : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly List<ModelHost> _models;
    ListenOptions? _http, _grpc;
    bool _disposed;

    InferenceServer(IReadOnlyList<ServedModel> models, ServerOptions options)
    {
        Metrics = new ServingMetrics();
        _models = [.. models.Select(m => new ModelHost(m, options.Batching, Metrics))];
        var byName = _models.ToDictionary(m => m.Name);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (options.ConsoleLogging) builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        // ASP.NET Core logs every request at Information; the server logs its own refusals and failures instead.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            // Slow clients (ServerOptions): each holds only its connection; these rates and timeouts free it.
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(options.MinRequestBodyBytesPerSecond, options.SlowClientGracePeriod);
            kestrel.Limits.MinResponseDataRate = new MinDataRate(options.MinResponseBytesPerSecond, options.SlowClientGracePeriod);
            kestrel.Limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
            kestrel.Listen(options.Address, options.HttpPort, l => { l.Protocols = HttpProtocols.Http1; _http = l; });
            kestrel.Listen(options.Address, options.GrpcPort, l => { l.Protocols = HttpProtocols.Http2; _grpc = l; });
        });
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = (int)Math.Min(options.MaxRequestBytes, int.MaxValue);
            o.EnableDetailedErrors = false;
        });
        builder.Services.AddSingleton(services => new InferenceCore(byName, options, Metrics, services.GetRequiredService<ILogger<InferenceCore>>()));
        builder.Services.AddSingleton<Func<bool>>(Ready);
        _app = builder.Build();

        RestEndpoints.Map(_app, _app.Services.GetRequiredService<InferenceCore>(), Ready);
        _app.MapGrpcService<InferenceGrpcService>();
        _app.MapMetrics("/metrics", Metrics.Registry);
    }

    /// <summary>Builds a server for <paramref name="models"/> (not started; the networks stay the caller's to dispose).</summary>
    /// <exception cref="ShuffleNetException">no models, a name used twice or with characters a URL cannot carry plainly,
    /// or an option out of range (the message names it).</exception>
    public static InferenceServer Create(IReadOnlyList<ServedModel> models, ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(options);
        options.Check();
        if (models.Count == 0) throw new ShuffleNetException("a server needs at least one model");
        foreach (var m in models)
            if (!ModelName().IsMatch(m.Name))
                throw new ShuffleNetException($"model name '{m.Name}' must be letters, digits, '.', '_' or '-' (1 to 128 of them)");
        var twice = models.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new ShuffleNetException($"two models are named '{twice.Key}': give each its own name");
        return new InferenceServer(models, options);
    }

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex ModelName();

    /// <summary>The metrics served at <c>/metrics</c>.</summary>
    public ServingMetrics Metrics { get; }

    /// <summary>The REST base address once started (with the port actually bound).</summary>
    public Uri HttpAddress => Address(_http);

    /// <summary>The gRPC address once started (HTTP/2 without TLS).</summary>
    public Uri GrpcAddress => Address(_grpc);

    static Uri Address(ListenOptions? listen)
    {
        var endpoint = listen?.IPEndPoint ?? throw new InvalidOperationException("the server has not started");
        var host = endpoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : endpoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : endpoint.Address;
        return new UriBuilder("http", host.ToString(), endpoint.Port).Uri;
    }

    bool Ready() => !_app.Lifetime.ApplicationStopping.IsCancellationRequested;

    /// <summary>Binds the ports and starts serving.</summary>
    /// <exception cref="IOException">a port is taken.</exception>
    public Task StartAsync(CancellationToken cancel = default) => _app.StartAsync(cancel);

    /// <summary>Returns when the host stops (Ctrl+C, SIGTERM, or <see cref="StopAsync"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel = default) => _app.WaitForShutdownAsync(cancel);

    /// <summary>Stops taking connections, finishes the requests in flight (within the shutdown timeout), then the queues.</summary>
    public async Task StopAsync(CancellationToken cancel = default)
    {
        await _app.StopAsync(cancel);
        foreach (var model in _models) await model.DisposeAsync();
    }

    /// <summary>Stops (if running) and frees the server; the networks are not disposed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try { await StopAsync(); }
        finally { await _app.DisposeAsync(); }
    }
}
