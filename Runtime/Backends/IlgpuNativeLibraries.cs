using System.Reflection;
using System.Runtime.InteropServices;

namespace ShuffleNetGpu.Runtime.Backends;

/// <summary>
/// Lets ILGPU find the GPU driver libraries on machines that have only the driver installed.
/// ILGPU 1.5.3 declares its P/Invokes as <c>[DllImport("cuda")]</c> and <c>[DllImport("OpenCL")]</c> on Linux;
/// .NET turns those into <c>libcuda.so</c> / <c>libOpenCL.so</c>, which only the development packages provide,
/// while a driver-only machine has <c>libcuda.so.1</c> / <c>libOpenCL.so.1</c>. The resolver registered here
/// (once per process, for the ILGPU assembly) tries the plain name, then the versioned <c>.so.1</c> name,
/// and records what it looked for so that "backend not present" errors can name the missing library.
/// </summary>
/// <remarks>
/// ILGPU resolves <c>CudaAPI.CurrentAPI</c> / <c>CLAPI.CurrentAPI</c> once per process (static initializers),
/// so <see cref="EnsureRegistered"/> must run before any ILGPU CUDA/OpenCL type is touched. Every
/// <see cref="ComputeDevice"/> path calls it; code that builds an ILGPU <c>Context</c> itself should call it
/// first. .NET allows one resolver per assembly: if another one was already registered for ILGPU, this one is
/// not, and <see cref="RegistrationError"/> says so.
/// </remarks>
public static class IlgpuNativeLibraries
{
    internal static readonly NativeLibraryProbe Cuda = new("cuda", "libcuda.so", "libcuda.so.1");
    internal static readonly NativeLibraryProbe OpenCL = new("OpenCL", "libOpenCL.so", "libOpenCL.so.1");

    private static readonly Lazy<string?> Registration = new(Register, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Registers the resolver for the ILGPU assembly (first call only; thread-safe; never throws).</summary>
    public static void EnsureRegistered() => _ = Registration.Value;

    /// <summary>Null if the resolver is registered; otherwise why not (another resolver was registered first).</summary>
    public static string? RegistrationError => Registration.Value;

    private static string? Register()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(ILGPU.Context).Assembly, Resolve);
            return null;
        }
        catch (InvalidOperationException e)
        {
            // Someone registered a resolver for ILGPU before us; .NET allows only one.
            return $"another DllImport resolver was already registered for ILGPU ({e.Message})";
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        var probe = libraryName switch
        {
            "cuda" => Cuda,
            "OpenCL" => OpenCL,
            _ => null,
        };
        // IntPtr.Zero: let .NET's default probing handle it (other libraries, Windows/macOS names).
        return probe is null ? IntPtr.Zero : probe.Load();
    }
}

/// <summary>Loads one driver library by its candidate file names and remembers the outcome.</summary>
internal sealed class NativeLibraryProbe(string importName, params string[] linuxCandidates)
{
    private readonly object gate = new();
    private readonly List<string> attempts = [];
    private IntPtr handle;
    private bool tried;

    /// <summary>The name ILGPU imports (<c>cuda</c>, <c>OpenCL</c>).</summary>
    public string ImportName { get; } = importName;

    /// <summary>The file names tried, plain name first (Linux only; elsewhere .NET's default probing is used).</summary>
    public IReadOnlyList<string> Candidates { get; } = linuxCandidates;

    /// <summary>The name that loaded, or null.</summary>
    public string? LoadedName { get; private set; }

    /// <summary>The versioned name users recognise (<c>libcuda.so.1</c>).</summary>
    public string DisplayName => Candidates[^1];

    /// <summary>Loads the library (first call only) and returns its handle, or IntPtr.Zero.</summary>
    public IntPtr Load()
    {
        lock (gate)
        {
            if (tried)
                return handle;
            tried = true;
            if (!OperatingSystem.IsLinux())
                return IntPtr.Zero;
            foreach (var candidate in Candidates)
            {
                try
                {
                    handle = NativeLibrary.Load(candidate);
                    LoadedName = candidate;
                    attempts.Add($"{candidate}: loaded");
                    return handle;
                }
                catch (DllNotFoundException e)
                {
                    attempts.Add($"{candidate}: {LastLine(e.Message)}");
                }
                catch (BadImageFormatException e)
                {
                    attempts.Add($"{candidate}: {LastLine(e.Message)}");
                }
            }
            return IntPtr.Zero;
        }
    }

    /// <summary>One clause saying what was looked for and what happened, e.g.
    /// <c>libcuda.so.1 not found (looked for libcuda.so, libcuda.so.1)</c>.</summary>
    public string Describe()
    {
        Load();
        lock (gate)
        {
            if (LoadedName is not null)
                return $"{LoadedName} loaded";
            if (!OperatingSystem.IsLinux())
                return $"'{ImportName}' driver library not found by .NET's default probing";
            var notFound = attempts.All(a => a.Contains("No such file", StringComparison.Ordinal));
            return notFound
                ? $"{DisplayName} not found (looked for {string.Join(", ", Candidates)})"
                : $"{DisplayName} could not be loaded ({string.Join("; ", attempts)})";
        }
    }

    private static string LastLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? message : lines[^1];
    }
}
