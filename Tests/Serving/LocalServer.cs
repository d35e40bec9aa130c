using System.Net;
using System.Text.RegularExpressions;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Serving;
using ShuffleNetGpu.Serving.Batching;

namespace ShuffleNetGpu.Tests.Serving;

/// <summary>A server on loopback, free ports, the cpu backend, serving the tiny V2 fixture as <c>tiny</c> (and, when
/// asked, the tiny V1 as <c>tiny-v1</c>), with an HTTP client for it.</summary>
public sealed class LocalServer : IAsyncDisposable
{
    /// <summary>The tiny V2 fixture, converted once for every test.</summary>
    public static readonly Lazy<TinyCase> Tiny = new(() => Fixtures.Load("tiny-shufflenetv2"));
    static readonly Lazy<TinyCase> TinyV1 = new(() => Fixtures.Load("tiny-shufflenetv1-g3"));

    readonly List<ShuffleNet> _nets = [];

    public ShuffleNet Net { get; }
    public ShuffleNet? NetV1 { get; }
    public InferenceServer Server { get; }
    public HttpClient Http { get; }

    LocalServer(ServerOptions options, bool twoModels)
    {
        Net = ShuffleNet.FromWeights(Tiny.Value.Weights, BackendKind.Cpu, cpuThreads: 2);
        _nets.Add(Net);
        var models = new List<ServedModel> { new("tiny", Net) };
        if (twoModels)
        {
            NetV1 = ShuffleNet.FromWeights(TinyV1.Value.Weights, BackendKind.Cpu, cpuThreads: 2);
            _nets.Add(NetV1);
            models.Add(new("tiny-v1", NetV1));
        }
        Server = InferenceServer.Create(models, options with { Address = IPAddress.Loopback, HttpPort = 0, GrpcPort = 0, ConsoleLogging = false });
        Http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
    }

    public static async Task<LocalServer> StartAsync(BatchingOptions? batching = null, TimeSpan? timeout = null, long maxRequestBytes = 8 << 20, bool twoModels = false)
    {
        var server = new LocalServer(new ServerOptions
        {
            Batching = batching ?? new BatchingOptions { MaxBatch = 4, MaxDelay = TimeSpan.FromMilliseconds(2) },
            RequestTimeout = timeout ?? TimeSpan.FromSeconds(30),
            MaxRequestBytes = maxRequestBytes,
        }, twoModels);
        await server.Server.StartAsync();
        server.Http.BaseAddress = server.Server.HttpAddress;
        return server;
    }

    /// <summary>The value of one sample in <c>/metrics</c> (a line starting with <paramref name="sample"/>), or 0 if absent.</summary>
    public async Task<double> MetricAsync(string sample)
    {
        string text = await Http.GetStringAsync("/metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(sample + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(sample.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        foreach (var net in _nets) net.Dispose();
    }
}
