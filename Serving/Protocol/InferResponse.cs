namespace ShuffleNetGpu.Serving.Protocol;

/// <summary>The answer to an <see cref="InferRequest"/>.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Id">The request's id, or null.</param>
/// <param name="Outputs">The outputs, in the order asked.</param>
public sealed record InferResponse(string Model, string? Id, IReadOnlyList<OutputTensor> Outputs);
