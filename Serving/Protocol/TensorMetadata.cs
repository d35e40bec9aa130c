namespace ShuffleNetGpu.Serving.Protocol;

/// <summary>A tensor a model takes or gives, as metadata lists it.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Datatype"><c>FP32</c> or <c>BYTES</c>.</param>
/// <param name="Shape">Its shape; -1 marks a variable dimension (the batch).</param>
public sealed record TensorMetadata(string Name, string Datatype, long[] Shape);
