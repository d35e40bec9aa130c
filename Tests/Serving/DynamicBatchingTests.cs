using System.Net;
using System.Text.Json;
using ShuffleNetGpu.Serving.Batching;
using ShuffleNetGpu.Tests.Runtime;

namespace ShuffleNetGpu.Tests.Serving;

/// <summary>Concurrent requests are gathered into one forward pass and split back; the queue bound, the timeout and
/// shutdown behave as documented. Each test has its own server, its batching set so the outcome does not depend on timing.</summary>
public sealed class DynamicBatchingTests
{
    static async Task<float[]> LogitsAsync(LocalServer local, float[] image)
    {
        var response = await local.Http.PostAsync("/v2/models/tiny/infer", InferBodies.Json(image));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return InferBodies.JsonOutput(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement, "logits");
    }

    static float[] Image(float[] batch, int i) => batch.AsSpan(i * ShuffleNet.ImageElements, ShuffleNet.ImageElements).ToArray();

    [Fact]
    public async Task FourConcurrentRequestsRunAsOneBatch()
    {
        // A delay far longer than the test: the batch runs because it is full, not because time ran out.
        await using var local = await LocalServer.StartAsync(new BatchingOptions { MaxBatch = 4, MaxDelay = TimeSpan.FromSeconds(20) });
        var batch = TinyBatches.Of(LocalServer.Tiny.Value, 4);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => LogitsAsync(local, Image(batch, i))));

        Assert.Equal(1, await local.MetricAsync("shufflenet_batch_images_count{model=\"tiny\",device=\"Cpu\"}"));
        Assert.Equal(4, await local.MetricAsync("shufflenet_batch_images_sum{model=\"tiny\",device=\"Cpu\"}"));
        // Each request's rows, whichever order the batch took them in, are the library's for that image.
        var expected = local.Net.Run(batch);
        int classes = local.Net.Classes;
        var rows = Enumerable.Range(0, 4).Select(i => expected.AsSpan(i * classes, classes).ToArray()).ToList();
        for (int i = 0; i < 4; i++) InferBodies.AssertBits(rows[i], results[i]);
    }

    [Fact]
    public async Task AFullQueueIs503()
    {
        await using var local = await LocalServer.StartAsync(new BatchingOptions { MaxBatch = 8, MaxDelay = TimeSpan.FromSeconds(3), MaxQueue = 2 });
        var image = TinyBatches.Of(LocalServer.Tiny.Value, 1);
        // Two requests wait 3 s for the batch to fill; the third finds the queue full and is refused at once.
        var waiting = Enumerable.Range(0, 2).Select(_ => LogitsAsync(local, image)).ToList();
        while (await local.MetricAsync("shufflenet_requests_total{model=\"tiny\",protocol=\"rest\"}") < 2) await Task.Delay(20);
        var refused = await local.Http.PostAsync("/v2/models/tiny/infer", InferBodies.Json(image));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("--max-queue", await refused.Content.ReadAsStringAsync());
        Assert.Equal(1, await local.MetricAsync("shufflenet_queue_rejections_total{model=\"tiny\"}"));
        var expected = local.Net.Run(image);
        foreach (var logits in await Task.WhenAll(waiting)) InferBodies.AssertBits(expected, logits);
    }

    [Fact]
    public async Task ARequestPastItsTimeoutIs504AndIsNotRun()
    {
        await using var local = await LocalServer.StartAsync(new BatchingOptions { MaxBatch = 8, MaxDelay = TimeSpan.FromSeconds(1) },
            timeout: TimeSpan.FromMilliseconds(300));
        var image = TinyBatches.Of(LocalServer.Tiny.Value, 1);
        var response = await local.Http.PostAsync("/v2/models/tiny/infer", InferBodies.Json(image));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("did not answer within 300 ms", await response.Content.ReadAsStringAsync());
        // Past the first's batch window (1 s) the batcher has dropped it: no batch ran.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(0, await local.MetricAsync("shufflenet_batch_images_count{model=\"tiny\",device=\"Cpu\"}"));
        Assert.Equal(HttpStatusCode.OK, (await local.Http.GetAsync("/v2/health/ready")).StatusCode);
        Assert.Equal(1, await local.MetricAsync("shufflenet_request_failures_total{model=\"tiny\",protocol=\"rest\",status=\"Timeout\"}"));
    }

    [Fact]
    public async Task AClientThatDisconnectsIsDroppedAndTheServerGoesOn()
    {
        await using var local = await LocalServer.StartAsync(new BatchingOptions { MaxBatch = 8, MaxDelay = TimeSpan.FromSeconds(3) });
        var image = TinyBatches.Of(LocalServer.Tiny.Value, 1);
        using (var gone = new CancellationTokenSource())
        {
            var request = local.Http.PostAsync("/v2/models/tiny/infer", InferBodies.Json(image), gone.Token);
            // Disconnect once the server has the request (it waits 3 s for a batch to fill).
            while (await local.MetricAsync("shufflenet_requests_total{model=\"tiny\",protocol=\"rest\"}") < 1) await Task.Delay(20);
            gone.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        }
        for (int i = 0; i < 100 && await local.MetricAsync("shufflenet_request_failures_total{model=\"tiny\",protocol=\"rest\",status=\"Cancelled\"}") < 1; i++)
            await Task.Delay(50);
        Assert.Equal(1, await local.MetricAsync("shufflenet_request_failures_total{model=\"tiny\",protocol=\"rest\",status=\"Cancelled\"}"));
        InferBodies.AssertBits(local.Net.Run(image), await LogitsAsync(local, image));
        // The cancelled image was never computed: one batch of one image ran.
        Assert.Equal(1, await local.MetricAsync("shufflenet_batch_images_sum{model=\"tiny\",device=\"Cpu\"}"));
    }

    [Fact]
    public async Task ShutdownFinishesTheRequestsInFlight()
    {
        var local = await LocalServer.StartAsync(new BatchingOptions { MaxBatch = 8, MaxDelay = TimeSpan.FromMilliseconds(1500) });
        var image = TinyBatches.Of(LocalServer.Tiny.Value, 1);
        Task<float[]> inFlight;
        try
        {
            inFlight = LogitsAsync(local, image);
            while (await local.MetricAsync("shufflenet_requests_total{model=\"tiny\",protocol=\"rest\"}") < 1) await Task.Delay(20);
            await local.Server.StopAsync();
            InferBodies.AssertBits(local.Net.Run(image), await inFlight);
        }
        finally
        {
            await local.DisposeAsync();
        }
    }
}
