namespace ShuffleNetGpu.Serving.Protocol;

/// <summary>One input tensor of a request as sent, before it is checked against the model: FP32 values in
/// <see cref="Floats"/> or BYTES elements in <see cref="Bytes"/> (whichever the datatype fills; the other is null).</summary>
/// <param name="Name">The tensor's name (<c>input</c> or <c>image</c>).</param>
/// <param name="Datatype">The protocol's datatype name (<c>FP32</c>, <c>BYTES</c>, ...).</param>
/// <param name="Shape">The declared shape.</param>
/// <param name="Floats">The values, row-major, for FP32.</param>
/// <param name="Bytes">The elements, for BYTES.</param>
public sealed record InputTensor(string Name, string Datatype, long[] Shape, float[]? Floats, byte[][]? Bytes);
