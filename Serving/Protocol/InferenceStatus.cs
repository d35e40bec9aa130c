namespace ShuffleNetGpu.Serving.Protocol;

/// <summary>Why a request failed, as both protocols report it (REST status code, gRPC status).</summary>
public enum InferenceStatus
{
    /// <summary>Bad input: shapes, datatypes, images, names of inputs or outputs (400, INVALID_ARGUMENT).</summary>
    BadRequest,
    /// <summary>No such model (404, NOT_FOUND).</summary>
    NotFound,
    /// <summary>The model's queue is full or the server is stopping (503, UNAVAILABLE).</summary>
    Unavailable,
    /// <summary>The request's time limit passed before its batch ran (504, DEADLINE_EXCEEDED).</summary>
    Timeout,
    /// <summary>The body is larger than the server's limit (413, RESOURCE_EXHAUSTED).</summary>
    TooLarge,
}
