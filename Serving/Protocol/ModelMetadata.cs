namespace ShuffleNetGpu.Serving.Protocol;

/// <summary>What the model metadata endpoints answer.</summary>
/// <param name="Name">The model's name.</param>
/// <param name="Versions">Its versions (always "1").</param>
/// <param name="Platform"><c>shufflenet_</c> and the backend.</param>
/// <param name="Inputs">The inputs it takes (one per request: either).</param>
/// <param name="Outputs">The outputs it can give.</param>
public sealed record ModelMetadata(string Name, IReadOnlyList<string> Versions, string Platform,
    IReadOnlyList<TensorMetadata> Inputs, IReadOnlyList<TensorMetadata> Outputs);
