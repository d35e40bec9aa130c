using System.Text.RegularExpressions;

namespace ShuffleNetGpu.Tests;

/// <summary>
/// The namespace of every source file in the shipped projects follows its folder: project root namespace + the
/// folders below it. The public entry types (<c>ShuffleNet</c>, <c>FeatureMaps</c>, the exception family) live in the
/// root namespace <c>ShuffleNetGpu</c> on purpose, so a user needs one <c>using</c>; they are listed here by file.
/// </summary>
public sealed partial class SourceLayoutTests
{
    static readonly string[] Projects = ["Kernels", "Networks", "Converter", "Runtime", "Imaging", "Serving", "Cli"];

    /// <summary>The CLI's entry point (top-level statements, no namespace).</summary>
    const string ProgramFile = "Cli/Program.cs";

    static readonly HashSet<string> RootNamespaceFiles =
    [
        "Networks/ShuffleNetException.cs", "Runtime/ShuffleNet.cs", "Runtime/ShuffleNet.Classify.cs",
        "Runtime/ShuffleNet.SharedDevice.cs", "Runtime/ShuffleNet.Devices.cs", "Runtime/ShuffleNet.Streaming.cs", "Runtime/FeatureMaps.cs",
    ];

    [GeneratedRegex(@"^namespace\s+([A-Za-z0-9_.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [Fact]
    public void EveryNamespaceMatchesItsFolder()
    {
        var root = RepositoryRoot();
        var wrong = new List<string>();
        foreach (var project in Projects)
        {
            var dir = Path.Combine(root, project);
            foreach (var file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.Contains("/obj/") || relative.Contains("/bin/") || relative == ProgramFile) continue;
                var match = NamespaceLine().Match(File.ReadAllText(file));
                if (!match.Success) { wrong.Add($"{relative}: no file-scoped namespace"); continue; }
                var folders = Path.GetDirectoryName(Path.GetRelativePath(dir, file))!.Replace('\\', '/');
                var expected = RootNamespaceFiles.Contains(relative)
                    ? "ShuffleNetGpu"
                    : "ShuffleNetGpu." + project + (folders.Length == 0 ? "" : "." + folders.Replace('/', '.'));
                if (match.Groups[1].Value != expected) wrong.Add($"{relative}: {match.Groups[1].Value}, expected {expected}");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void TheGraphKernelsAndCpuEngineShareOneActivationEnum()
    {
        var assemblies = new[]
        {
            typeof(ShuffleNetGpu.Networks.Graph.Activation).Assembly, typeof(ShuffleNetGpu.Kernels.Common.IActivation).Assembly,
            typeof(ShuffleNet).Assembly,
        };
        var enums = assemblies.SelectMany(a => a.GetTypes()).Where(t => t.IsEnum && t.Name.Contains("Activation")).ToList();
        Assert.Equal([typeof(ShuffleNetGpu.Networks.Graph.Activation)], enums);
    }

    [Fact]
    public void ArchitectureInferenceDoesNotCallBackIntoTheConverter()
    {
        var dir = Path.Combine(RepositoryRoot(), "Converter", "Inference");
        var offenders = Directory.EnumerateFiles(dir, "*.cs").Where(f => File.ReadAllText(f).Contains("CheckpointConverter"));
        Assert.Empty(offenders);
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ShuffleNetGpu.sln"))) return dir.FullName;
        throw new InvalidOperationException("ShuffleNetGpu.sln not found above " + AppContext.BaseDirectory);
    }
}
