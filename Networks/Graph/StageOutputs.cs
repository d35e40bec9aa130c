namespace ShuffleNetGpu.Networks.Graph;

/// <summary>A stage number outside C2..C5, or a stage list that does not parse.</summary>
public sealed class InvalidStageException(string message) : ShuffleNetException(message);

/// <summary>
/// Which graph tensors a detector or a retrieval model taps: the backbone maps C2..C5 and the pooled embedding.
/// <para>
/// <b>Ck</b> is the map at stride 2^k (C2: 56x56, C3: 28x28, C4: 14x14, C5: 7x7 for a 224x224 input): the last of the
/// graph's <see cref="NetworkGraph.StageEnds"/> (the stem's output, then each stage's output, marked by the family
/// builders) at that resolution. So, from each family's structure and nothing per model id:
/// V1 and V2 (max pool, first stage at stride 8): C2 = <c>maxpool</c>, C3..C5 = the three stage outputs;
/// V2+, OneShot and DetNAS (no max pool, four stages starting at stride 4): C2..C5 = the four stage outputs;
/// Large and ExLarge (max pool, first stage at stride 1): C2..C5 = <c>features.0</c>..<c>features.3</c> (the first
/// stage keeps the max pool's resolution and supersedes it; ExLarge's stages include their closing 1x1 convolution).
/// <c>conv_last</c> is not part of C5: it belongs to the classification head.
/// </para>
/// <para>
/// The <b>embedding</b> is the vector the final classifier layer reads: the global-average-pool output for V1, V2,
/// OneShot, DetNAS, Large and ExLarge; for V2+, the output of <c>fc.0</c> (after <c>LastSE</c> and hard-swish, 1280
/// wide), since V2+ puts those two layers between the pool and <c>classifier.0</c>.
/// </para>
/// </summary>
public static class StageOutputs
{
    /// <summary>The backbone stages: C2 (stride 4) to C5 (stride 32).</summary>
    public const int First = 2, Last = 5;

    /// <summary>C2..C5.</summary>
    public static IReadOnlyList<int> All { get; } = [2, 3, 4, 5];

    /// <summary>The stride of Ck relative to the input: 2^k.</summary>
    public static int Stride(int stage)
    {
        Check(stage);
        return 1 << stage;
    }

    /// <summary>Throws <see cref="InvalidStageException"/> naming <paramref name="stage"/> unless it is 2..5.</summary>
    public static void Check(int stage)
    {
        if (stage is < First or > Last)
            throw new InvalidStageException($"stage {stage} is not a backbone stage: valid stages are {First}..{Last} (C{First}..C{Last}, strides 4..32)");
    }

    /// <summary>The graph tensor holding Ck (the same id at every input size: found in the 224x224 graph).</summary>
    public static int Tensor(NetworkGraph graph, int stage)
    {
        graph = graph.Canonical;
        int size = NetworkGraph.InputSize / Stride(stage);
        int found = -1;
        foreach (int t in graph.StageEnds)
            if (graph.Tensors[t].Height == size) found = t;
        if (found < 0)
            throw new InvalidOperationException($"graph bug: the {graph.Config.Family} graph marks no stage output at {size}x{size} (C{stage})");
        return found;
    }

    /// <summary>The graph tensor the final classifier layer reads (see the class summary).</summary>
    public static int EmbeddingTensor(NetworkGraph graph)
    {
        foreach (var op in graph.Ops)
            if (op is LinearOp l && l.Output.Tensor == graph.OutputTensor) return l.Input.Tensor;
        throw new InvalidOperationException($"graph bug: the {graph.Config.Family} graph's output is not written by a linear layer");
    }

    /// <summary>
    /// Parses a stage list such as <c>2,3,4,5</c> (or <c>c2,c5</c>): each entry checked (<see cref="Check"/>), duplicates
    /// dropped, order kept. An empty or blank text gives no stages.
    /// </summary>
    public static int[] Parse(string text)
    {
        var stages = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string digits = part.StartsWith('c') || part.StartsWith('C') ? part[1..] : part;
            if (!int.TryParse(digits, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int stage))
                throw new InvalidStageException($"stage '{part}' is not a number: valid stages are {First}..{Last}");
            Check(stage);
            if (!stages.Contains(stage)) stages.Add(stage);
        }
        return stages.ToArray();
    }
}
