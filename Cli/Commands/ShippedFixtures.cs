namespace ShuffleNetGpu.Cli.Commands;

/// <summary>The reference cases shipped with the repository (<c>fixtures/tiny/&lt;id&gt;/</c>: a checkpoint in the
/// released layout, an input and PyTorch's float64 logits), found from the current directory or the program's.</summary>
static class ShippedFixtures
{
    /// <summary>The folder holding <c>fixtures/</c>: the current directory or one above it, or the program's folder
    /// or one above it (a published bundle carries <c>fixtures/</c> beside the executable).</summary>
    public static string FindRoot(string probeCase)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "fixtures", "tiny", probeCase, "checkpoint.pth.tar")))
                    return dir.FullName;
        throw new ShuffleNetException("the shipped fixtures/ folder was not found; run from the repository or a bundle that carries fixtures/, or pass --fixtures DIR (verify)");
    }

    /// <summary>Every case folder under <paramref name="tinyDir"/> that holds the three files a check needs.</summary>
    public static IReadOnlyList<string> Cases(string tinyDir)
    {
        if (!Directory.Exists(tinyDir)) throw new ShuffleNetException($"{tinyDir}: no such fixtures folder");
        var cases = Directory.GetDirectories(tinyDir).Order(StringComparer.Ordinal)
            .Where(d => new[] { "checkpoint.pth.tar", "input.npy", "logits.npy" }.All(f => File.Exists(Path.Combine(d, f))))
            .ToList();
        if (cases.Count == 0) throw new ShuffleNetException($"{tinyDir}: no case folders holding checkpoint.pth.tar, input.npy and logits.npy");
        return cases;
    }
}
