using Grpc.Core;
using Grpc.Net.Client;
using Google.Protobuf;
using ShuffleNetGpu.Serving.Rpc.Messages;
using ShuffleNetGpu.Tests.Runtime;

namespace ShuffleNetGpu.Tests.Serving;

/// <summary><c>inference.GRPCInferenceService</c> through a real gRPC client (HTTP/2 on loopback).</summary>
public sealed class GrpcServiceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    GRPCInferenceService.GRPCInferenceServiceClient Client()
    {
        var channel = GrpcChannel.ForAddress(fixture.Local.Server.GrpcAddress);
        return new GRPCInferenceService.GRPCInferenceServiceClient(channel);
    }

    static float[] Floats(ByteString raw)
    {
        var values = new float[raw.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BitConverter.ToSingle(raw.Span.Slice(i * 4, 4));
        return values;
    }

    [Fact]
    public async Task HealthAndMetadataAnswer()
    {
        var client = Client();
        Assert.True((await client.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await client.ServerReadyAsync(new ServerReadyRequest())).Ready);
        Assert.True((await client.ModelReadyAsync(new ModelReadyRequest { Name = "tiny" })).Ready);
        Assert.Equal("shufflenet", (await client.ServerMetadataAsync(new ServerMetadataRequest())).Name);
        var model = await client.ModelMetadataAsync(new ModelMetadataRequest { Name = "tiny-v1" });
        Assert.Equal([-1, fixture.Local.NetV1!.Classes], model.Outputs.Single(o => o.Name == "logits").Shape);
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await client.ModelReadyAsync(new ModelReadyRequest { Name = "nope" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task InferFromContentsAndRawEqualsRunBitForBit()
    {
        var client = Client();
        var batch = TinyBatches.Of(LocalServer.Tiny.Value, 2);
        var expected = fixture.Local.Net.Run(batch);

        var request = new ModelInferRequest { ModelName = "tiny", Id = "g1" };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 2, 3, 224, 224 }, Contents = new InferTensorContents() };
        input.Contents.Fp32Contents.AddRange(batch);
        request.Inputs.Add(input);
        var reply = await client.ModelInferAsync(request);
        Assert.Equal("g1", reply.Id);
        Assert.Equal([2, fixture.Local.Net.Classes], reply.Outputs.Single().Shape);
        InferBodies.AssertBits(expected, Floats(reply.RawOutputContents[0]));

        var raw = new ModelInferRequest { ModelName = "tiny" };
        raw.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 2, 3, 224, 224 } });
        var bytes = new byte[batch.Length * 4];
        Buffer.BlockCopy(batch, 0, bytes, 0, bytes.Length);
        raw.RawInputContents.Add(ByteString.CopyFrom(bytes));
        raw.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "embedding" });
        raw.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "logits" });
        var rawReply = await client.ModelInferAsync(raw);
        InferBodies.AssertBits(fixture.Local.Net.Embed(batch), Floats(rawReply.RawOutputContents[0]));
        InferBodies.AssertBits(expected, Floats(rawReply.RawOutputContents[1]));
    }

    [Fact]
    public async Task BadRequestsAreInvalidArgumentOrNotFound()
    {
        var client = Client();
        var wrongShape = new ModelInferRequest { ModelName = "tiny" };
        wrongShape.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 1, 3, 224 }, Contents = new InferTensorContents { Fp32Contents = { new float[3 * 224] } } });
        var e = await Assert.ThrowsAsync<RpcException>(async () => await client.ModelInferAsync(wrongShape));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("expected [N,3,224,224]", e.Status.Detail);

        var unknown = new ModelInferRequest { ModelName = "nope" };
        unknown.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 1 }, Contents = new InferTensorContents { Fp32Contents = { 1f } } });
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(async () => await client.ModelInferAsync(unknown))).StatusCode);

        // 15 images of raw floats (9 MB): over the fixture's 8 MiB limit.
        var huge = new ModelInferRequest { ModelName = "tiny" };
        huge.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 15, 3, 224, 224 } });
        huge.RawInputContents.Add(ByteString.CopyFrom(new byte[15 * ShuffleNet.ImageElements * 4]));
        Assert.Equal(StatusCode.ResourceExhausted, (await Assert.ThrowsAsync<RpcException>(async () => await client.ModelInferAsync(huge))).StatusCode);
        Assert.True((await client.ServerReadyAsync(new ServerReadyRequest())).Ready);
    }
}
