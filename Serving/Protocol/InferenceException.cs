namespace ShuffleNetGpu.Serving.Protocol;

/// <summary>A request the server refuses or could not finish; the message names what was wrong, and
/// <see cref="Status"/> says which status each protocol answers with.</summary>
public sealed class InferenceException(InferenceStatus status, string message) : ShuffleNetException(message)
{
    /// <summary>Which kind of failure (maps to the HTTP status and the gRPC status code).</summary>
    public InferenceStatus Status { get; } = status;

    /// <summary>A 400: bad input.</summary>
    public static InferenceException Bad(string message) => new(InferenceStatus.BadRequest, message);
}
