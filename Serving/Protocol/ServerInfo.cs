namespace ShuffleNetGpu.Serving.Protocol;

/// <summary>The server's name, version and protocol extensions, as <c>/v2</c> and ServerMetadata report them.</summary>
public static class ServerInfo
{
    /// <summary>The server's name.</summary>
    public const string Name = "shufflenet";

    /// <summary>The version every model reports (a served model has one).</summary>
    public const string ModelVersion = "1";

    /// <summary>The library's version.</summary>
    public static string Version => typeof(ShuffleNet).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>The extensions served: binary tensors over REST, and top-K labels.</summary>
    public static readonly IReadOnlyList<string> Extensions = ["binary_tensor_data", "classification"];
}
