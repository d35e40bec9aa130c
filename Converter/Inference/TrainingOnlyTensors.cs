namespace ShuffleNetGpu.Converter.Inference;

/// <summary>Checkpoint tensors used only in training: the <c>predict_56/28/14</c> heads of Large and ExLarge.
/// Inference and matching ignore them; conversion drops them.</summary>
public static class TrainingOnlyTensors
{
    /// <summary>Whether checkpoint tensor <paramref name="name"/> is one of the training-only heads.</summary>
    public static bool Contains(string name) => name.StartsWith("predict_", StringComparison.Ordinal);
}
