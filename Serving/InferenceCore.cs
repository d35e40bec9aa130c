using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Serving.Batching;
using ShuffleNetGpu.Serving.Metrics;
using ShuffleNetGpu.Serving.Protocol;

namespace ShuffleNetGpu.Serving;

/// <summary>
/// What both protocols share: the models by name, their metadata, and one inference call: check the request against
/// the model, queue its images for each forward pass the outputs need, wait (within the timeout, or until the client
/// goes), and shape the results.
/// </summary>
sealed class InferenceCore(IReadOnlyDictionary<string, ModelHost> models, ServerOptions options, ServingMetrics metrics, ILogger<InferenceCore> log)
{
    public IReadOnlyDictionary<string, ModelHost> Models => models;
    public ServingMetrics Metrics => metrics;

    /// <exception cref="InferenceException">no such model (404).</exception>
    public ModelHost Find(string name) => models.TryGetValue(name, out var model) ? model : throw new InferenceException(
        InferenceStatus.NotFound, $"model '{name}' is not served here; served: {string.Join(", ", models.Keys)}");

    public ModelMetadata Metadata(string name)
    {
        var model = Find(name);
        var net = model.Net;
        var outputs = new List<TensorMetadata>
        {
            new(OutputNames.Logits, "FP32", [-1, net.Classes]),
            new(OutputNames.Probabilities, "FP32", [-1, net.Classes]),
            new(OutputNames.Labels, "BYTES", [-1, -1]),
            new(OutputNames.Embedding, "FP32", [-1, net.EmbeddingSize]),
        };
        for (int k = StageOutputs.First; k <= StageOutputs.Last; k++)
        {
            var t = net.Graph.Tensors[StageOutputs.Tensor(net.Graph, k)];
            outputs.Add(new($"c{k}", "FP32", [-1, t.Channels, t.Height, t.Width]));
        }
        return new ModelMetadata(model.Name, [ServerInfo.ModelVersion], model.Platform,
            [new(OutputNames.Input, "FP32", [-1, ShuffleNet.ImageChannels, ShuffleNet.ImageSize, ShuffleNet.ImageSize]),
             new(OutputNames.Image, "BYTES", [-1])],
            outputs);
    }

    /// <summary>Runs one request. <paramref name="protocol"/> labels the metrics (<c>rest</c>, <c>grpc</c>).</summary>
    /// <exception cref="InferenceException">the request is wrong (400), names no served model (404), finds the queue
    /// full (503) or runs out of time (504).</exception>
    /// <exception cref="OperationCanceledException">the client went away.</exception>
    public async Task<InferResponse> InferAsync(InferRequest request, string protocol, CancellationToken aborted)
    {
        var model = Find(request.Model);
        metrics.Request(model.Name, protocol);
        try
        {
            var outputs = request.Outputs.Count > 0 ? request.Outputs : [new RequestedOutput(OutputNames.Logits)];
            var targets = outputs.Select(o => TargetOf(o, model.Net)).ToArray();
            var (images, count) = Images(request.Inputs, model.Net);

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            limit.CancelAfter(options.RequestTimeout);
            var pending = targets.Distinct().ToDictionary(t => t, t => model.Batcher.Submit(images, count, t, limit.Token));
            try
            {
                await Task.WhenAll(pending.Values).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
            {
                throw new InferenceException(InferenceStatus.Timeout,
                    $"model '{model.Name}' did not answer within {options.RequestTimeout.TotalMilliseconds:0} ms (the server's --timeout-ms)");
            }
            var results = outputs.Select((o, i) => Shape(o, pending[targets[i]].Result, count, model.Net)).ToList();
            return new InferResponse(model.Name, request.Id, results);
        }
        catch (InferenceException e)
        {
            metrics.Failure(model.Name, protocol, e.Status.ToString());
            log.LogInformation("{Protocol} request to {Model} refused ({Status}): {Reason}", protocol, model.Name, e.Status, e.Message);
            throw;
        }
        catch (OperationCanceledException)
        {
            metrics.Failure(model.Name, protocol, "Cancelled");
            log.LogInformation("{Protocol} request to {Model}: the client went away", protocol, model.Name);
            throw;
        }
        catch (Exception e)
        {
            metrics.Failure(model.Name, protocol, "Internal");
            log.LogError(e, "{Protocol} request to {Model} failed", protocol, model.Name);
            throw;
        }
    }

    static BatchTarget TargetOf(RequestedOutput output, ShuffleNet net)
    {
        switch (output.Name)
        {
            case OutputNames.Logits or OutputNames.Probabilities:
                return BatchTarget.Logits;
            case OutputNames.Labels:
                if (output.TopK is < 1) throw InferenceException.Bad($"output 'labels': top_k must be 1 or more, not {output.TopK}");
                return BatchTarget.Logits;
            case OutputNames.Embedding:
                return BatchTarget.Embedding;
        }
        int stage = Array.IndexOf(OutputNames.Stages, output.Name);
        if (stage < 0)
            throw InferenceException.Bad($"output '{output.Name}' is not one this model gives; known: {string.Join(", ", OutputNames.All)}");
        return new BatchTarget(StageOutputs.First + stage);
    }

    /// <summary>The network input of the request's one input tensor, and how many images it holds.</summary>
    static (float[] Images, int Count) Images(IReadOnlyList<InputTensor> inputs, ShuffleNet net)
    {
        if (inputs.Count != 1)
            throw InferenceException.Bad($"expected one input, '{OutputNames.Input}' (FP32 [N,3,224,224]) or '{OutputNames.Image}' (BYTES [N]), got {inputs.Count}");
        var input = inputs[0];
        switch (input.Name)
        {
            case OutputNames.Input:
            {
                Expect(input, "FP32");
                var s = input.Shape;
                if (s.Length != 4 || s[0] < 1 || s[1] != ShuffleNet.ImageChannels || s[2] != ShuffleNet.ImageSize || s[3] != ShuffleNet.ImageSize)
                    throw InferenceException.Bad($"input '{input.Name}' has shape {ShapeText(s)}, expected [N,3,224,224] with N >= 1");
                var floats = input.Floats!;
                if (floats.Length != s[0] * ShuffleNet.ImageElements)
                    throw InferenceException.Bad($"input '{input.Name}' holds {floats.Length} values, its shape {ShapeText(s)} needs {s[0] * ShuffleNet.ImageElements}");
                return (floats, (int)s[0]);
            }
            case OutputNames.Image:
            {
                Expect(input, "BYTES");
                var s = input.Shape;
                if (s.Length is < 1 or > 2 || s[0] < 1 || (s.Length == 2 && s[1] != 1))
                    throw InferenceException.Bad($"input '{input.Name}' has shape {ShapeText(s)}, expected [N] or [N,1] with N >= 1");
                var encoded = input.Bytes!;
                if (encoded.Length != s[0])
                    throw InferenceException.Bad($"input '{input.Name}' holds {encoded.Length} elements, its shape {ShapeText(s)} needs {s[0]}");
                var images = new float[encoded.Length * ShuffleNet.ImageElements];
                for (int i = 0; i < encoded.Length; i++)
                {
                    try
                    {
                        ImagingAdapter.Preprocess(encoded[i], net.Config.Family, $"{input.Name}[{i}]")
                            .CopyTo(images.AsSpan(i * ShuffleNet.ImageElements));
                    }
                    catch (ImageFormatException e) { throw InferenceException.Bad(e.Message); }
                }
                return (images, encoded.Length);
            }
            default:
                throw InferenceException.Bad($"input '{input.Name}' is not one this model takes; expected '{OutputNames.Input}' (FP32 [N,3,224,224]) or '{OutputNames.Image}' (BYTES [N])");
        }
    }

    static void Expect(InputTensor input, string datatype)
    {
        bool filled = datatype == "FP32" ? input.Floats is not null : input.Bytes is not null;
        if (input.Datatype != datatype || !filled)
            throw InferenceException.Bad($"input '{input.Name}' has datatype {input.Datatype}, expected {datatype}");
    }

    internal static string ShapeText(IEnumerable<long> shape) => $"[{string.Join(",", shape)}]";

    static OutputTensor Shape(RequestedOutput output, float[] values, int count, ShuffleNet net)
    {
        switch (output.Name)
        {
            case OutputNames.Logits:
                return new(output.Name, "FP32", [count, net.Classes], values, null, output.Binary);
            case OutputNames.Probabilities:
            {
                var p = new float[values.Length];
                for (int i = 0; i < count; i++)
                    ImagingAdapter.Softmax(values.AsSpan(i * net.Classes, net.Classes), p.AsSpan(i * net.Classes, net.Classes));
                return new(output.Name, "FP32", [count, net.Classes], p, null, output.Binary);
            }
            case OutputNames.Labels:
            {
                int k = (int)Math.Min(output.TopK ?? OutputNames.DefaultTopK, net.Classes);
                var p = new float[net.Classes];
                var labels = new string[count * k];
                for (int i = 0; i < count; i++)
                {
                    ImagingAdapter.Softmax(values.AsSpan(i * net.Classes, net.Classes), p);
                    // Most probable first; ties: lower class first (as classify).
                    var best = Enumerable.Range(0, net.Classes).OrderByDescending(c => p[c]).ThenBy(c => c).Take(k).ToArray();
                    for (int j = 0; j < k; j++)
                        labels[i * k + j] = FormattableString.Invariant($"{p[best[j]]:R}:{best[j]}:{ImagingAdapter.ClassName(net.Classes, best[j])}");
                }
                return new(output.Name, "BYTES", [count, k], null, labels, output.Binary);
            }
            case OutputNames.Embedding:
                return new(output.Name, "FP32", [count, net.EmbeddingSize], values, null, output.Binary);
            default:
            {
                var t = net.Graph.Tensors[StageOutputs.Tensor(net.Graph, StageOutputs.First + Array.IndexOf(OutputNames.Stages, output.Name))];
                return new(output.Name, "FP32", [count, t.Channels, t.Height, t.Width], values, null, output.Binary);
            }
        }
    }
}
