using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ShuffleNetGpu.Tests.Kernels;

/// <summary>
/// NVIDIA's PTX assembler and SASS dumper (CUDA 11.8, installed by scripts/install-ptxas.sh), found on PATH, in
/// <c>$SHUFFLENET_PTXAS_DIR</c> or in the script's default prefix. Used without a GPU: assembling the PTX that
/// ILGPU writes shows what the driver's JIT would make of it (registers, spills, shared memory, instructions).
/// </summary>
internal static partial class Ptxas
{
    /// <summary>The variable that turns a missing ptxas into a failure (CI sets it).</summary>
    public const string RequireVariable = "SHUFFLENET_REQUIRE_PTXAS";

    /// <summary>A directory holding ptxas and cuobjdump, searched before PATH.</summary>
    public const string DirectoryVariable = "SHUFFLENET_PTXAS_DIR";

    /// <summary>Where scripts/install-ptxas.sh puts the tools by default.</summary>
    public const string DefaultPrefix = "/opt/nvidia-ptxas-11.8/bin";

    /// <summary>A directory to keep each kernel's PTX and SASS in, for reading (unset: nothing is kept).</summary>
    public const string KeepVariable = "SHUFFLENET_PTXAS_KEEP";

    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    public static string? PtxasPath { get; } = Find("ptxas");

    public static string? CuobjdumpPath { get; } = Find("cuobjdump");

    /// <summary>Why the tools cannot be used here, or null when both are present.</summary>
    public static string? AbsentReason => PtxasPath is null || CuobjdumpPath is null
        ? $"ptxas/cuobjdump not found (PATH, ${DirectoryVariable}, {DefaultPrefix}); run scripts/install-ptxas.sh, " +
          $"or set {RequireVariable}=1 to make this a failure"
        : null;

    private static string? Find(string tool)
    {
        var dirs = new List<string>();
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } dir)
            dirs.Add(dir);
        dirs.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        dirs.Add(DefaultPrefix);
        return dirs.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// ptxas 11.8 reads PTX ISA 7.8 at most; ILGPU 1.5.3 writes <c>.version 8.0</c> for sm_90, using nothing of 8.0
    /// in these kernels, so the line is lowered (an instruction that needed 8.0 would fail to assemble).
    /// </summary>
    public static string LowerVersion(string ptx) => VersionLine().Replace(ptx, ".version 7.8", 1);

    /// <summary>Assembles <paramref name="ptx"/> for sm_90 (ptxas -O3, as the driver's JIT) and reads the cubin's figures.</summary>
    public static Assembly Assemble(string ptx, string name, bool withSass)
    {
        var dir = Directory.CreateTempSubdirectory("ptxas-");
        try
        {
            string ptxFile = Path.Combine(dir.FullName, "k.ptx"), cubin = Path.Combine(dir.FullName, "k.cubin");
            File.WriteAllText(ptxFile, LowerVersion(ptx));
            string log = Run(PtxasPath!, ["-arch=sm_90", "-O3", "-v", "-o", cubin, ptxFile], name);
            string sass = withSass ? Run(CuobjdumpPath!, ["-sass", cubin], name) : "";
            if (Environment.GetEnvironmentVariable(KeepVariable) is { Length: > 0 } keep)
            {
                Directory.CreateDirectory(keep);
                string stem = Path.Combine(keep, Regex.Replace(name, @"[^A-Za-z0-9]+", "_").Trim('_'));
                File.Copy(ptxFile, stem + ".ptx", true);
                File.WriteAllText(stem + ".log", log);
                if (withSass)
                    File.WriteAllText(stem + ".sass", sass);
            }
            return new Assembly(name,
                Number(log, @"Used (\d+) registers"),
                Number(log, @"(\d+) bytes stack frame"),
                Number(log, @"(\d+) bytes spill stores"),
                Number(log, @"(\d+) bytes spill loads"),
                Number(log, @"(\d+) bytes smem", 0),
                log, sass);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    private static int Number(string log, string pattern, int? absent = null)
    {
        var m = Regex.Match(log, pattern);
        if (m.Success)
            return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return absent ?? throw new InvalidOperationException($"ptxas -v output has no '{pattern}':\n{log}");
    }

    private static string Run(string exe, string[] args, string name)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        string all = stdout + stderr.Result;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{name}: {Path.GetFileName(exe)} exited with {p.ExitCode}:\n{all}");
        return all;
    }

    [GeneratedRegex(@"^\.version \d+\.\d+", RegexOptions.Multiline)]
    private static partial Regex VersionLine();
}

/// <summary>What ptxas made of one kernel: its <c>-v</c> figures and (when asked) the SASS listing.</summary>
internal sealed record Assembly(string Name, int Registers, int StackFrameBytes, int SpillStoreBytes,
    int SpillLoadBytes, int StaticSharedBytes, string Log, string Sass)
{
    public override string ToString() =>
        $"{Name}: {Registers} registers, {StaticSharedBytes} B shared, stack {StackFrameBytes} B, spills {SpillStoreBytes}/{SpillLoadBytes} B";
}
