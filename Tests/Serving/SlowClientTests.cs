using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Serving;
using ShuffleNetGpu.Serving.Batching;

namespace ShuffleNetGpu.Tests.Serving;

/// <summary>
/// Slow clients (issue 17): a client that sends its body slowly or stops reading its response holds only its own
/// connection, never the batcher or other clients, and the server's minimum data rates
/// (<see cref="ServerOptions.MinRequestBodyBytesPerSecond"/>, <see cref="ServerOptions.MinResponseBytesPerSecond"/>)
/// end it: a trickling upload gets 408 (the response rate's cut-off is not shown: loopback buffered a 23.5 MB response). Raw
/// sockets on loopback, so the test controls every byte; bounds on waiting are watchdogs, not speed claims.
/// </summary>
public sealed class SlowClientTests
{
    static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(60);

    static async Task<(InferenceServer Server, ShuffleNet Net, HttpClient Http)> StartAsync(TimeSpan grace)
    {
        var net = ShuffleNet.FromWeights(LocalServer.Tiny.Value.Weights, BackendKind.Cpu, cpuThreads: 2);
        var server = InferenceServer.Create([new ServedModel("tiny", net)], new ServerOptions
        {
            Address = IPAddress.Loopback, HttpPort = 0, GrpcPort = 0, ConsoleLogging = false,
            Batching = new BatchingOptions { MaxBatch = 4, MaxDelay = TimeSpan.FromMilliseconds(2) },
            MinRequestBodyBytesPerSecond = 1000, MinResponseBytesPerSecond = 1000, SlowClientGracePeriod = grace,
        });
        await server.StartAsync();
        return (server, net, new HttpClient { BaseAddress = server.HttpAddress, Timeout = Watchdog });
    }

    static float[] Images(int n, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n * ShuffleNet.ImageElements).Select(_ => (float)random.Next(256))];
    }

    static async Task<Socket> ConnectAsync(Uri address, int? receiveBuffer = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer is int size) socket.ReceiveBufferSize = size;   // before connecting, so the window stays small
        await socket.ConnectAsync(address.Host, address.Port);
        return socket;
    }

    static byte[] Head(string path, int length, string type, string extra = "") => Encoding.ASCII.GetBytes(
        $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {type}\r\nContent-Length: {length}\r\n{extra}\r\n");

    /// <summary>Concurrent normal requests: all answered 200 with the logits the network gives.</summary>
    static async Task OthersAreServed(HttpClient http, ShuffleNet net)
    {
        var inputs = Enumerable.Range(0, 3).Select(i => Images(1, 100 + i)).ToArray();
        var answers = await Task.WhenAll(inputs.Select(x => http.PostAsync("/v2/models/tiny/infer", InferBodies.Json(x))));
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(HttpStatusCode.OK, answers[i].StatusCode);
            using var json = JsonDocument.Parse(await answers[i].Content.ReadAsStringAsync());
            InferBodies.AssertBits(net.Run(inputs[i]), InferBodies.JsonOutput(json.RootElement, "logits"));
        }
    }

    /// <summary>Everything the socket receives until the server closes it (or the watchdog fires: a failure).</summary>
    static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        using var cancel = new CancellationTokenSource(Watchdog);
        var received = new MemoryStream();
        var buffer = new byte[64 << 10];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token)) > 0) received.Write(buffer, 0, n);
        }
        catch (SocketException) { }   // reset by the server: what was received so far is the answer
        catch (OperationCanceledException) { Assert.Fail($"the server kept the slow client's connection open for {Watchdog.TotalSeconds} s"); }
        return received.ToArray();
    }

    [Fact]
    public async Task AStalledUploadBlocksNeitherOtherClientsNorTheBatcher()
    {
        var (server, net, http) = await StartAsync(grace: TimeSpan.FromMinutes(5));   // the limit never trips here
        try
        {
            byte[] body = await InferBodies.Json(Images(1, 1)).ReadAsByteArrayAsync();
            using var slow = await ConnectAsync(server.HttpAddress);
            await slow.SendAsync(Head("/v2/models/tiny/infer", body.Length, "application/json"));
            await slow.SendAsync(body.AsMemory(0, body.Length / 2));   // half the body, then nothing
            await OthersAreServed(http, net);
            Assert.True(slow.Connected);
        }
        finally { http.Dispose(); await server.DisposeAsync(); net.Dispose(); }
    }

    [Fact]
    public async Task ATricklingUploadIsAnswered408AndTheServerStaysReady()
    {
        var (server, net, http) = await StartAsync(grace: TimeSpan.FromSeconds(2));
        try
        {
            byte[] body = await InferBodies.Json(Images(1, 2)).ReadAsByteArrayAsync();
            using var slow = await ConnectAsync(server.HttpAddress);
            await slow.SendAsync(Head("/v2/models/tiny/infer", body.Length, "application/json"));
            using var stop = new CancellationTokenSource();
            var trickle = Task.Run(async () =>
            {
                // 4 bytes a second, far below the 1000 bytes/s minimum.
                try { for (int i = 0; !stop.IsCancellationRequested; i++) { await slow.SendAsync(body.AsMemory(i, 1)); await Task.Delay(250, stop.Token); } }
                catch (Exception e) when (e is SocketException or OperationCanceledException) { }
            });
            string answer = Encoding.UTF8.GetString(await ReadToEndAsync(slow));
            stop.Cancel();
            await trickle;
            Assert.StartsWith("HTTP/1.1 408", answer);
            Assert.Contains("arrived too slowly", answer);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v2/health/ready")).StatusCode);
            await OthersAreServed(http, net);
        }
        finally { http.Dispose(); await server.DisposeAsync(); net.Dispose(); }
    }

    [Fact]
    public async Task AClientThatStopsReadingItsResponseBlocksNoOne()
    {
        var (server, net, http) = await StartAsync(grace: TimeSpan.FromSeconds(2));
        try
        {
            // 48 images' C2 maps as JSON text (~23 MB) to a client with a 4 KB receive window that reads nothing.
            var images = Images(48, 3);
            var content = InferBodies.Binary(images, """{"name":"c2"}""");
            byte[] body = await content.ReadAsByteArrayAsync();
            string headerLength = content.Headers.GetValues("Inference-Header-Content-Length").Single();
            using var slow = await ConnectAsync(server.HttpAddress, receiveBuffer: 4096);
            await slow.SendAsync(Head("/v2/models/tiny/infer", body.Length, "application/octet-stream",
                $"Inference-Header-Content-Length: {headerLength}\r\nConnection: close\r\n"));
            await slow.SendAsync(body);
            // While its response waits to be read, others are served.
            await OthersAreServed(http, net);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v2/health/ready")).StatusCode);
            // Not asserted: that the minimum response rate cuts it off. On this machine's loopback the kernel and
            // Kestrel buffered the whole 23.5 MB response, so the server's write never stalled and the rate never applied.
        }
        finally { http.Dispose(); await server.DisposeAsync(); net.Dispose(); }
    }
}
