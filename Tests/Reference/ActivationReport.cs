using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.IO;
using Xunit.Sdk;

namespace ShuffleNetGpu.Tests.Reference;

/// <summary>When logits are off: compares image 0 of each named tensor with the fixture's <c>act/</c> files, in order.</summary>
public static class ActivationReport
{
    /// <summary>Per named tensor that has an act file: the relative L2 error of image 0.</summary>
    public static IEnumerable<(string Module, double Error)> Compare(string id, NetworkGraph graph, Func<int, float[]> imageZeroOf)
    {
        var dir = Fixtures.ActivationDir(id);
        if (dir is null) yield break;
        foreach (var file in Directory.GetFiles(dir, "*.npy").Order(StringComparer.Ordinal))
        {
            string module = Path.GetFileNameWithoutExtension(file)[3..];
            if (graph.FindNamed(module) is not { } tensor) continue;
            var (_, expected) = NpyFile.Read(file);
            yield return (module, ReferenceExecutorTests.RelativeL2(imageZeroOf(tensor).AsSpan(0, expected.Length), expected));
        }
    }

    public static void ThrowFirstDivergence(string id, NetworkGraph graph, float[][] values, double logitError) =>
        ThrowFirstDivergence(id, graph, t => values[t], logitError);

    public static void ThrowFirstDivergence(string id, NetworkGraph graph, Func<int, float[]> imageZeroOf, double logitError)
    {
        double tolerance = ReferenceExecutorTests.Tolerance(id);
        var first = Compare(id, graph, imageZeroOf).FirstOrDefault(c => c.Error > tolerance);
        string where = first.Module is null
            ? (Fixtures.ActivationDir(id) is null ? "activations not available (../shared/fixtures absent)" : "no named activation diverges")
            : $"first diverging block: {first.Module} (relative L2 {first.Error:E3})";
        throw new XunitException($"{id}: logits relative L2 error {logitError:E3} > {tolerance:E3}; {where}");
    }
}
