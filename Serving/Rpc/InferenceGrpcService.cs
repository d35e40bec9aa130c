using Google.Protobuf;
using Grpc.Core;
using ShuffleNetGpu.Serving.Protocol;
using ShuffleNetGpu.Serving.Rpc.Messages;

namespace ShuffleNetGpu.Serving.Rpc;

/// <summary>
/// <c>inference.GRPCInferenceService</c>: the same models and checks as the REST endpoints. Inputs come in
/// <c>contents</c> (fp32_contents, bytes_contents) or <c>raw_input_contents</c>; outputs go in
/// <c>raw_output_contents</c> (as Triton's clients read them), one entry per output in order.
/// </summary>
sealed class InferenceGrpcService(InferenceCore core, Func<bool> ready) : GRPCInferenceService.GRPCInferenceServiceBase
{
    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = ready() });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context) => Answer(() =>
    {
        core.Find(request.Name);
        return new ModelReadyResponse { Ready = ready() };
    });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerMetadataResponse { Name = ServerInfo.Name, Version = ServerInfo.Version, Extensions = { ServerInfo.Extensions } });

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context) => Answer(() =>
    {
        var m = core.Metadata(request.Name);
        var response = new ModelMetadataResponse { Name = m.Name, Versions = { m.Versions }, Platform = m.Platform };
        response.Inputs.AddRange(m.Inputs.Select(Tensor));
        response.Outputs.AddRange(m.Outputs.Select(Tensor));
        return response;
    });

    static ModelMetadataResponse.Types.TensorMetadata Tensor(TensorMetadata t) =>
        new() { Name = t.Name, Datatype = t.Datatype, Shape = { t.Shape } };

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        InferResponse response;
        try
        {
            response = await core.InferAsync(Decode(request), "grpc", context.CancellationToken);
        }
        catch (InferenceException e) { throw Failure(e); }
        var reply = new ModelInferResponse { ModelName = response.Model, ModelVersion = ServerInfo.ModelVersion, Id = response.Id ?? "" };
        foreach (var output in response.Outputs)
        {
            reply.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = output.Name, Datatype = output.Datatype, Shape = { output.Shape } });
            reply.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(TensorBytes.Write(output)));
        }
        return reply;
    }

    static InferRequest Decode(ModelInferRequest request)
    {
        bool raw = request.RawInputContents.Count > 0;
        if (raw && request.RawInputContents.Count != request.Inputs.Count)
            throw InferenceException.Bad($"raw_input_contents has {request.RawInputContents.Count} entries for {request.Inputs.Count} inputs");
        var inputs = new List<InputTensor>();
        for (int i = 0; i < request.Inputs.Count; i++)
        {
            var input = request.Inputs[i];
            long elements = TensorBytes.Elements(input.Shape, input.Name);
            float[]? floats = null;
            byte[][]? bytes = null;
            if (input.Datatype == "FP32")
            {
                if (raw) floats = TensorBytes.ReadFloats(request.RawInputContents[i].Span, elements, input.Name);
                else if (input.Contents is { } c && c.Fp32Contents.Count == elements) floats = [.. c.Fp32Contents];
                else throw InferenceException.Bad($"input '{input.Name}' holds {input.Contents?.Fp32Contents.Count ?? 0} fp32_contents, its shape declares {elements}");
            }
            else if (input.Datatype == "BYTES")
            {
                bytes = raw ? TensorBytes.ReadElements(request.RawInputContents[i].Span, input.Name)
                            : input.Contents?.BytesContents.Select(b => b.ToByteArray()).ToArray() ?? [];
            }
            inputs.Add(new InputTensor(input.Name, input.Datatype, [.. input.Shape], floats, bytes));
        }
        var outputs = request.Outputs.Select(o => new RequestedOutput(o.Name, TopK(o))).ToList();
        return new InferRequest(request.ModelName, request.Id.Length > 0 ? request.Id : null, inputs, outputs);
    }

    static long? TopK(ModelInferRequest.Types.InferRequestedOutputTensor output)
    {
        foreach (var key in new[] { "top_k", "classification" })
            if (output.Parameters.TryGetValue(key, out var p))
                return p.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.Int64Param ? p.Int64Param
                    : throw InferenceException.Bad($"output '{output.Name}': {key} must be an int64_param");
        return null;
    }

    static async Task<T> Answer<T>(Func<T> body)
    {
        await Task.CompletedTask;
        try { return body(); }
        catch (InferenceException e) { throw Failure(e); }
    }

    static RpcException Failure(InferenceException e) => new(new Status(e.Status switch
    {
        InferenceStatus.BadRequest => StatusCode.InvalidArgument,
        InferenceStatus.NotFound => StatusCode.NotFound,
        InferenceStatus.Unavailable => StatusCode.Unavailable,
        InferenceStatus.Timeout => StatusCode.DeadlineExceeded,
        InferenceStatus.TooLarge => StatusCode.ResourceExhausted,
        _ => StatusCode.Internal,
    }, e.Message));
}
