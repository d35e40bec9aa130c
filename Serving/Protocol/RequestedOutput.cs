namespace ShuffleNetGpu.Serving.Protocol;

/// <summary>An output the client asked for.</summary>
/// <param name="Name">One of <see cref="OutputNames"/>'s names.</param>
/// <param name="TopK">For <c>labels</c>: how many classes per image (the <c>top_k</c> or <c>classification</c> parameter);
/// null for the default.</param>
/// <param name="Binary">Send the values in the binary-data extension (REST only; the <c>binary_data</c> parameter).</param>
public sealed record RequestedOutput(string Name, long? TopK = null, bool Binary = false);
