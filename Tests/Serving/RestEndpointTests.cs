using System.Net;
using System.Text.Json;
using ShuffleNetGpu.Tests.Runtime;

namespace ShuffleNetGpu.Tests.Serving;

/// <summary>The REST endpoints through a real HTTP client against Kestrel on loopback: results equal
/// <see cref="ShuffleNet.Run(float[])"/> bit for bit, and bad requests get the protocol's error with the right status.</summary>
public sealed class RestEndpointTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    LocalServer Local => fixture.Local;
    HttpClient Http => fixture.Local.Http;

    static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task HealthAndMetadataAnswer()
    {
        Assert.True((await JsonOf(await Http.GetAsync("/v2/health/live"))).GetProperty("live").GetBoolean());
        Assert.True((await JsonOf(await Http.GetAsync("/v2/health/ready"))).GetProperty("ready").GetBoolean());
        var server = await JsonOf(await Http.GetAsync("/v2"));
        Assert.Equal("shufflenet", server.GetProperty("name").GetString());
        Assert.Contains("binary_tensor_data", server.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()));

        var model = await JsonOf(await Http.GetAsync("/v2/models/tiny"));
        Assert.Equal("tiny", model.GetProperty("name").GetString());
        Assert.Equal("shufflenet_cpu", model.GetProperty("platform").GetString());
        var logits = model.GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "logits");
        Assert.Equal([-1, Local.Net.Classes], logits.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(["input", "image"], model.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        Assert.True((await JsonOf(await Http.GetAsync("/v2/models/tiny-v1/ready"))).GetProperty("ready").GetBoolean());
    }

    [Fact]
    public async Task JsonLogitsEqualRunBitForBit()
    {
        var batch = TinyBatches.Of(LocalServer.Tiny.Value, 2);
        var response = await Http.PostAsync("/v2/models/tiny/infer", InferBodies.Json(batch));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await JsonOf(response);
        Assert.Equal("r1", json.GetProperty("id").GetString());
        Assert.Equal([2, Local.Net.Classes], InferBodies.Output(json, "logits").GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        InferBodies.AssertBits(Local.Net.Run(batch), InferBodies.JsonOutput(json, "logits"));
    }

    [Fact]
    public async Task SecondModelAnswersWithItsOwnNetwork()
    {
        var batch = TinyBatches.Of(LocalServer.Tiny.Value, 1);
        var json = await JsonOf(await Http.PostAsync("/v2/models/tiny-v1/infer", InferBodies.Json(batch)));
        InferBodies.AssertBits(Local.NetV1!.Run(batch), InferBodies.JsonOutput(json, "logits"));
    }

    [Fact]
    public async Task BinaryOutputsEqualTheLibraryBitForBit()
    {
        var batch = TinyBatches.Of(LocalServer.Tiny.Value, 3);
        var response = await Http.PostAsync("/v2/models/tiny/infer", InferBodies.Binary(batch,
            """{"name":"logits","parameters":{"binary_data":true}},{"name":"embedding","parameters":{"binary_data":true}},{"name":"c4","parameters":{"binary_data":true}}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        int header = int.Parse(response.Headers.GetValues("Inference-Header-Content-Length").Single());
        var outputs = InferBodies.BinaryOutputs(await response.Content.ReadAsByteArrayAsync(), header);
        InferBodies.AssertBits(Local.Net.Run(batch), outputs["logits"]);
        InferBodies.AssertBits(Local.Net.Embed(batch), outputs["embedding"]);
        InferBodies.AssertBits(Local.Net.Features(batch, 4)[4].Data, outputs["c4"]);
    }

    [Fact]
    public async Task EncodedImageIsPreprocessedAsClassifyDoes()
    {
        // chelsea.input.npy is the reference preprocessing (PIL decode, OpenCV resize), made independently of this code.
        var png = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(Fixtures.Root, "images", "chelsea.png")));
        var (_, expectedInput) = ShuffleNetGpu.Runtime.IO.NpyFile.Read(Path.Combine(Fixtures.Root, "images", "chelsea.input.npy"));
        var response = await Http.PostAsync("/v2/models/tiny/infer", InferBodies.Text(
            """{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":[""" + $"\"{png}\"" + """]}],"outputs":[{"name":"logits"},{"name":"probabilities"},{"name":"labels","parameters":{"top_k":3}}]}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await JsonOf(response);
        var expected = Local.Net.Run(expectedInput);
        InferBodies.AssertBits(expected, InferBodies.JsonOutput(json, "logits"));

        var probabilities = InferBodies.JsonOutput(json, "probabilities");
        Assert.Equal(1.0, probabilities.Sum(p => (double)p), 4);
        int best = Array.IndexOf(expected, expected.Max());
        var labels = InferBodies.Output(json, "labels");
        Assert.Equal([1, 3], labels.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        var first = labels.GetProperty("data")[0].GetString()!.Split(':');
        Assert.Equal(best.ToString(), first[1]);
        Assert.Equal($"class {best}", first[2]);   // a 10-class model: class numbers, not ImageNet names
        Assert.Equal(probabilities[best], float.Parse(first[0], System.Globalization.CultureInfo.InvariantCulture));
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "{not json", "not valid JSON" },
        { """{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1],"data":[1]}]}""", "has shape [1,1], expected [N,3,224,224]" },
        { """{"inputs":[{"name":"input","datatype":"FP32","shape":[1,3,224,223],"data":[1,2]}]}""", "holds 2 values, its shape declares 149856" },
        { """{"inputs":[{"name":"input","datatype":"INT32","shape":[1,3,224,224],"data":[1]}]}""", "datatype INT32, expected FP32" },
        { """{"inputs":[{"name":"input","datatype":"FP32","shape":[100000000,3,224,224],"data":[1,2,3]}]}""", "more elements than the server accepts" },
        { """{"inputs":[{"name":"input","datatype":"FP32","shape":[1000,3,224,224],"data":[1,2,3]}]}""", "holds 3 values, its shape declares 150528000" },
        { """{"inputs":[{"name":"pixels","datatype":"FP32","shape":[1],"data":[1]}]}""", "input 'pixels' is not one this model takes" },
        { """{"inputs":[]}""", "expected one input" },
        { """{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":["aGVsbG8="]}]}""", "image[0]" },
        { """{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":["***"]}]}""", "not base64" },
        { """{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":["aGVsbG8="]}],"outputs":[{"name":"softmax"}]}""", "output 'softmax' is not one" },
        { """{"inputs":[{"name":"input","datatype":"FP32","shape":[1,3,224,224],"parameters":{"binary_data_size":999999999}}]}""", "only 0 bytes follow" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task BadRequestsGet400AndLeaveTheServerHealthy(string body, string expected)
    {
        var response = await Http.PostAsync("/v2/models/tiny/infer", InferBodies.Text(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await JsonOf(response)).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/v2/health/ready")).StatusCode);
    }

    [Fact]
    public async Task HugeDeclaredHeaderLengthIs400()
    {
        var content = InferBodies.Text("{}");
        content.Headers.Add("Inference-Header-Content-Length", "2147483647");
        var response = await Http.PostAsync("/v2/models/tiny/infer", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Inference-Header-Content-Length", (await JsonOf(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task UnknownModelIs404()
    {
        var response = await Http.PostAsync("/v2/models/nope/infer", InferBodies.Text("{}"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("model 'nope' is not served here", (await JsonOf(response)).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/v2/models/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/v2/models/nope/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/v2/models/tiny/versions/2/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/v2/models/tiny/versions/1/ready")).StatusCode);
    }

    [Fact]
    public async Task BodyOverTheLimitIs413()
    {
        // As curl does for large bodies: the server answers before the body is sent, so the client can read the answer.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v2/models/tiny/infer") { Content = new ByteArrayContent(new byte[9 << 20]) };
        request.Headers.ExpectContinue = true;
        var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("larger than the server's limit", (await JsonOf(response)).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/v2/health/ready")).StatusCode);
    }
}
