namespace ShuffleNetGpu;

/// <summary>Base of every error this library raises on bad input: a file, a tensor, a configuration or an argument.
/// The message is one line that names the file, tensor or value and says what was expected.</summary>
public class ShuffleNetException : Exception
{
    /// <summary>An error with a one-line <paramref name="message"/>.</summary>
    public ShuffleNetException(string message) : base(message) { }
    /// <summary>An error with a one-line <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public ShuffleNetException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A converted weights file (safetensors) that is malformed or does not fit its configuration.</summary>
public sealed class WeightsFormatException(string message) : ShuffleNetException(message);

/// <summary>Tensors that do not form a known architecture, or contradict the one inferred or asked for.</summary>
public sealed class ArchitectureException(string message) : ShuffleNetException(message);

/// <summary>A weight holding NaN or infinity (refused unless the caller allows it).</summary>
public sealed class NonFiniteWeightException(string tensorName, string message) : ShuffleNetException(message)
{
    /// <summary>The weight that holds the non-finite value.</summary>
    public string TensorName { get; } = tensorName;
}
