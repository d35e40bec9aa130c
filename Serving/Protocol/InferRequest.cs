namespace ShuffleNetGpu.Serving.Protocol;

/// <summary>An inference request in either protocol, decoded but not yet checked against the model.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Id">The client's request id (echoed), or null.</param>
/// <param name="Inputs">The inputs sent.</param>
/// <param name="Outputs">The outputs asked for; empty means <c>logits</c>.</param>
public sealed record InferRequest(string Model, string? Id, IReadOnlyList<InputTensor> Inputs, IReadOnlyList<RequestedOutput> Outputs);
