namespace ShuffleNetGpu.Serving.Protocol;

/// <summary>One output tensor of a response: FP32 values in <see cref="Floats"/>, or BYTES strings in <see cref="Strings"/>.</summary>
/// <param name="Name">The output's name.</param>
/// <param name="Datatype"><c>FP32</c> or <c>BYTES</c>.</param>
/// <param name="Shape">Its shape (batch first).</param>
/// <param name="Floats">Row-major values, for FP32.</param>
/// <param name="Strings">Row-major elements, for BYTES (UTF-8 on the wire).</param>
/// <param name="Binary">Whether the client asked for it in the binary-data extension.</param>
public sealed record OutputTensor(string Name, string Datatype, long[] Shape, float[]? Floats, string[]? Strings, bool Binary);
