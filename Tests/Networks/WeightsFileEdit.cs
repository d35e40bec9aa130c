using ShuffleNetGpu.Networks.Weights;

namespace ShuffleNetGpu.Tests.Networks;

/// <summary>Copies of a weights file with its <c>__metadata__</c> edited and its tensors unchanged (no digest is
/// recomputed: what another tool, or a hand edit, would leave).</summary>
static class WeightsFileEdit
{
    /// <summary>Writes <paramref name="to"/>: <paramref name="from"/> with <paramref name="edit"/> applied to its metadata.</summary>
    public static string Rewrite(string from, string to, Action<Dictionary<string, string>> edit)
    {
        var (tensors, metadata) = SafetensorsFile.Read(from);
        var edited = metadata.ToDictionary(m => m.Key, m => m.Value);
        edit(edited);
        SafetensorsFile.Write(to, tensors, edited);
        return to;
    }
}
