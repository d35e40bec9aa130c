namespace ShuffleNetGpu.Converter.Torch;

/// <summary>One state-dict entry. <paramref name="Data"/> is float32 in C order (row-major), with the storage
/// offset and strides already applied, so <c>Data.Length</c> is the product of <paramref name="Shape"/> (1 for a
/// scalar, whose shape is empty). <paramref name="SourceType"/> says what it was converted from.</summary>
public sealed record TorchTensor(string Name, int[] Shape, float[] Data, TorchDType SourceType);
