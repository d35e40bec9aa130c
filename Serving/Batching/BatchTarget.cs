namespace ShuffleNetGpu.Serving.Batching;

/// <summary>What one forward pass computes; only requests for the same target share a batch.</summary>
/// <param name="Stage">0 for the logits, 1 for the embedding, 2..5 for that stage's map.</param>
readonly record struct BatchTarget(int Stage)
{
    public static readonly BatchTarget Logits = new(0), Embedding = new(1);

    public override string ToString() => Stage switch { 0 => "logits", 1 => "embedding", _ => $"c{Stage}" };
}
