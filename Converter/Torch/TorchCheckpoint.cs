namespace ShuffleNetGpu.Converter.Torch;

/// <summary>The state dict of a PyTorch checkpoint, read without running any pickle code.</summary>
public sealed class TorchCheckpoint
{
    private readonly Dictionary<string, TorchTensor> _byName;

    internal TorchCheckpoint(string sourcePath, string layout, IReadOnlyList<TorchTensor> tensors)
    {
        SourcePath = sourcePath;
        Layout = layout;
        Tensors = tensors;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The path (or display name) the checkpoint was read from.</summary>
    public string SourcePath { get; }

    /// <summary>"legacy" (torch.save before 1.6) or "zip".</summary>
    public string Layout { get; }

    /// <summary>The state dict in file order, a leading "module." (DataParallel) stripped from every name.</summary>
    public IReadOnlyList<TorchTensor> Tensors { get; }

    /// <summary>The tensor of that (stripped) name, or null.</summary>
    public TorchTensor? Find(string name) => _byName.GetValueOrDefault(name);
}
