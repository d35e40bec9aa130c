namespace ShuffleNetGpu.Serving.Protocol;

/// <summary>The names of the tensors a served model takes and gives.</summary>
public static class OutputNames
{
    /// <summary>Input: N x 3 x 224 x 224 FP32, B, G, R planes, 0..255 (the network input).</summary>
    public const string Input = "input";
    /// <summary>Input: N encoded images (BYTES), preprocessed as <c>shufflenet classify</c> does.</summary>
    public const string Image = "image";

    /// <summary>N x classes FP32: the logits (the output when none is asked for).</summary>
    public const string Logits = "logits";
    /// <summary>N x classes FP32: softmax of the logits.</summary>
    public const string Probabilities = "probabilities";
    /// <summary>N x K BYTES: the K most probable classes, each <c>probability:index:label</c> (Triton's classification format).</summary>
    public const string Labels = "labels";
    /// <summary>N x D FP32: the pooled embedding the classifier reads.</summary>
    public const string Embedding = "embedding";

    /// <summary>Classes <see cref="Labels"/> gives per image when the request does not say.</summary>
    public const int DefaultTopK = 5;

    /// <summary>The stage map output names: <c>c2</c> .. <c>c5</c> (strides 4 to 32), N x C x H x W FP32.</summary>
    public static readonly string[] Stages = ["c2", "c3", "c4", "c5"];

    /// <summary>Every output name, in the order metadata lists them.</summary>
    public static readonly IReadOnlyList<string> All = [Logits, Probabilities, Labels, Embedding, .. Stages];
}
