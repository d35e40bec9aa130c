namespace ShuffleNetGpu.Runtime.Backends;

/// <summary>An unknown backend name, or a backend that is not present or failed to start on this machine.
/// The message says why and lists the valid (or present) backends.</summary>
public sealed class BackendException : ShuffleNetException
{
    /// <summary>An error with a one-line <paramref name="message"/>.</summary>
    public BackendException(string message) : base(message) { }
    /// <summary>An error with a one-line <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public BackendException(string message, Exception inner) : base(message, inner) { }
}
