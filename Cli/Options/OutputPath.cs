namespace ShuffleNetGpu.Cli.Options;

/// <summary>
/// The one check every command that writes files makes before it reads anything: the output's extension names the
/// format written (<c>.npy</c>, <c>.safetensors</c>, <c>.onnx</c>), and no output is one of the command's inputs
/// (<c>preprocess victim.png -o victim.png</c> would replace the image with .npy bytes). Paths are compared as the
/// file system resolves them: full paths with every symbolic link followed.
/// </summary>
static class OutputPath
{
    /// <exception cref="UsageException">The extension differs from <paramref name="extension"/>, or the output is an input.</exception>
    public static void Check(string option, string output, string extension, params string?[] inputs)
    {
        if (!output.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"{option}: '{output}' must end in {extension} (the format written)");
        RefuseInput(option, output, inputs);
    }

    /// <exception cref="UsageException">The output is one of the <paramref name="inputs"/> (null or non-file inputs, such as zoo ids, are skipped).</exception>
    public static void RefuseInput(string option, string output, params string?[] inputs)
    {
        string target = Resolve(output);
        foreach (var input in inputs)
            if (input is not null && File.Exists(input) && string.Equals(Resolve(input), target, PathComparison))
                throw new UsageException($"{option}: '{output}' is also an input ('{input}'); refusing to overwrite it");
    }

    static readonly StringComparison PathComparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>The full path with every symbolic link along it followed (what realpath(3) gives); parts that do not
    /// exist yet are kept as written. Bounded: a link cycle stops after 40 hops, as the kernel's ELOOP does.</summary>
    static string Resolve(string path, int hops = 0)
    {
        string full = Path.GetFullPath(path);
        string? parent = Path.GetDirectoryName(full);
        if (parent is null || hops > 40) return full;
        string here = Path.Combine(Resolve(parent, hops), Path.GetFileName(full));
        FileSystemInfo info = Directory.Exists(here) ? new DirectoryInfo(here) : new FileInfo(here);
        if (info.LinkTarget is null) return here;
        var target = info.ResolveLinkTarget(returnFinalTarget: true);
        return target is null ? here : Resolve(target.FullName, hops + 1);
    }
}
