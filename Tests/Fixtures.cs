using System.Text.Json;

namespace ShuffleNetGpu.Tests;

/// <summary>Paths of the ground-truth fixtures shipped in the repository (copied next to the test assembly).</summary>
public static class Fixtures
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "fixtures");
    public static string TinyDir(string id) => Path.Combine(Root, "tiny", id);
    public static string Checkpoint(string id) => Path.Combine(TinyDir(id), "checkpoint.pth.tar");
    public static string ModelCounts => Path.Combine(Root, "model_counts.json");

    public static readonly string[] TinyIds =
    [
        "tiny-detnas", "tiny-oneshot", "tiny-shufflenetv1-g3", "tiny-shufflenetv1-g8",
        "tiny-shufflenetv2", "tiny-shufflenetv2-exlarge", "tiny-shufflenetv2-large", "tiny-shufflenetv2plus",
    ];

    public static IEnumerable<object[]> TinyIdData => TinyIds.Select(id => new object[] { id });

    /// <summary>A tiny case as the tests use it: the checkpoint converted, the input batch and PyTorch's logits.</summary>
    public static TinyCase Load(string id)
    {
        var weights = ShuffleNetGpu.Converter.CheckpointConverter.Convert(Checkpoint(id));
        var (shape, input) = ShuffleNetGpu.Runtime.IO.NpyFile.Read(Path.Combine(TinyDir(id), "input.npy"));
        var (_, logits) = ShuffleNetGpu.Runtime.IO.NpyFile.Read(Path.Combine(TinyDir(id), "logits.npy"));
        return new TinyCase(id, weights, input, shape[0], logits);
    }

    public static JsonElement Spec(string id) => JsonDocument.Parse(File.ReadAllText(Path.Combine(TinyDir(id), "spec.json"))).RootElement;

    /// <summary>The per-block activations (bulky, kept in ../shared only), or null when that folder is absent.</summary>
    public static string? ActivationDir(string id)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures", "tiny", id, "act");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Set (to anything but empty or 0) to make a missing <c>act/</c> folder a test failure instead of a fallback.</summary>
    public const string RequireActivationsVariable = "SHUFFLENET_REQUIRE_ACT";

    public static bool ActivationsRequired => Environment.GetEnvironmentVariable(RequireActivationsVariable) is { Length: > 0 } v && v != "0";

    /// <summary>
    /// The fixture's recorded output of upstream module <paramref name="module"/> (<c>act/NN_{module}.npy</c>, image 0), or
    /// null when the act folder is absent (and not required). Fails when the folder is present but lacks the module, or
    /// when it is absent and <see cref="RequireActivationsVariable"/> is set.
    /// </summary>
    public static string? ActivationFile(string id, string module)
    {
        var dir = ActivationDir(id);
        if (dir is null)
        {
            if (ActivationsRequired)
                Assert.Fail($"{RequireActivationsVariable} is set but ../shared/fixtures/tiny/{id}/act is not beside the repository");
            return null;
        }
        var match = Directory.GetFiles(dir, "*.npy").SingleOrDefault(f => Path.GetFileName(f)[3..] == module + ".npy");
        Assert.True(match is not null, $"{dir} has no activation of module {module}");
        return match;
    }

    public static IEnumerable<(string Id, long Params, long AuxParams, long Macs)> Counts()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(ModelCounts));
        foreach (var e in doc.RootElement.EnumerateArray())
            yield return (e.GetProperty("id").GetString()!, e.GetProperty("params").GetInt64(), e.GetProperty("aux_params").GetInt64(), e.GetProperty("macs").GetInt64());
    }
}

/// <summary>One tiny fixture loaded: <paramref name="Batch"/> images in <paramref name="Input"/> and the expected logits.</summary>
public sealed record TinyCase(string Id, ShuffleNetGpu.Networks.Weights.ModelWeights Weights, float[] Input, int Batch, float[] Logits);
