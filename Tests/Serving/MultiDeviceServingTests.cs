using System.Net;
using System.Text.Json;
using ShuffleNetGpu.Serving;
using ShuffleNetGpu.Serving.Batching;
using ShuffleNetGpu.Tests.Runtime.Devices;

namespace ShuffleNetGpu.Tests.Serving;

/// <summary>One model over two devices in one server (issue 17): the batcher's batch is split across the devices by
/// the network, so concurrent requests get the results one device gives.</summary>
[Collection(TwoDeviceNetworks.Collection)]
public sealed class MultiDeviceServingTests(TwoDeviceNetworks nets)
{
    /// <summary>Long (20-25 s of ilgpu-cpu compute on 2 loaded cores): the server calls the same
    /// <see cref="ShuffleNet.Run(float[])"/> whose two-device bits <see cref="Runtime.Devices.MultiDeviceTests"/> checks in CI.</summary>
    [Runtime.LongFact]
    public async Task AServerOnTwoDevicesAnswersConcurrentRequestsWithTheResultsOfOne()
    {
        // A delay far longer than the test: the three requests run as one batch because it is full (shares 2 + 1).
        var options = new ServerOptions
        {
            Address = IPAddress.Loopback, HttpPort = 0, GrpcPort = 0, ConsoleLogging = false,
            Batching = new BatchingOptions { MaxBatch = 3, MaxDelay = TimeSpan.FromSeconds(20) },
            RequestTimeout = TimeSpan.FromSeconds(120),
        };
        await using var server = InferenceServer.Create([new ServedModel("tiny", nets.Two)], options);
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.HttpAddress, Timeout = TimeSpan.FromSeconds(120) };

        async Task<float[]> Logits(int image)
        {
            var response = await http.PostAsync("/v2/models/tiny/infer", InferBodies.Json(nets.Images(image, 1)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return InferBodies.JsonOutput(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement, "logits");
        }
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(Logits));
        for (int i = 0; i < 3; i++) InferBodies.AssertBits(nets.LogitsOf(i, 1), results[i]);

        string metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("shufflenet_batch_images_sum{model=\"tiny\",device=\"IlgpuCpu x2\"} 3", metrics);
    }
}
