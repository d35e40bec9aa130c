using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace ShuffleNetGpu.Runtime.Backends;

/// <summary>Finds the devices of each backend and, when there are none, says why.</summary>
internal static unsafe class BackendDiscovery
{
    /// <summary>The GPU shape ilgpu-cpu emulates: warp 4, up to 16 threads per group, two multiprocessors (one per core
    /// of the CI machine). ILGPU starts one OS thread per emulated thread and barriers cost in proportion, so small
    /// groups are fastest: measured on tiny-shufflenetv1-g3 (2 images), 1.8 s a forward pass against 5.6 s with 256-thread
    /// groups (warp 32 x 8, one multiprocessor). Kernels pick their tile from the group size, so the 256-thread variants
    /// (the large pointwise tile, the 256-thread global pool) are checked by the kernel tests on their own 256-thread device.</summary>
    internal static readonly CPUDevice CpuDevice = new(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 4, numMultiprocessors: 2);

    internal sealed record Scan<TDevice>(IReadOnlyList<TDevice> Usable, string? Reason) where TDevice : class;

    // ---------------------------------------------------------------- CUDA

    internal static Scan<CudaDevice> ScanCuda()
    {
        IlgpuNativeLibraries.EnsureRegistered();
        if (!CudaAPI.CurrentAPI.IsSupported)
            return new([], CudaUnavailableReason());

        var all = CudaDevice.GetDevices(_ => true).OfType<CudaDevice>().ToList();
        if (all.Count == 0)
            return new([], "the CUDA driver loaded but reports no usable device");
        var usable = all.Where(IsUsableByIlgpu).ToList();
        if (usable.Count == 0)
        {
            var list = string.Join(", ", all.Select(d => $"{d.Name} ({d.Architecture?.ToString() ?? "unknown architecture"})"));
            return new([], $"ILGPU {OpenCLCompatibility.LoadedIlgpuVersion} has no PTX ISA it can target for {list} " +
                           $"with driver {all[0].DriverVersion}");
        }
        return new(usable, null);
    }

    /// <summary>ILGPU's own filter (<c>CudaContextExtensions.Cuda(builder)</c>).</summary>
    internal static bool IsUsableByIlgpu(CudaDevice d) =>
        d.Architecture.HasValue &&
        d.InstructionSet.HasValue &&
        PTXCodeGenerator.SupportedInstructionSets.Contains(d.InstructionSet.Value);

    private static string CudaUnavailableReason()
    {
        var lib = IlgpuNativeLibraries.Cuda;
        var handle = lib.Load();
        if (handle == IntPtr.Zero)
            return lib.Describe() + RegistrationNote();
        // The library is there, so ILGPU's cuInit(0) failed: ask the driver why.
        if (!System.Runtime.InteropServices.NativeLibrary.TryGetExport(handle, "cuInit", out var fn))
            return $"{lib.LoadedName} loaded but has no cuInit";
        int code = ((delegate* unmanaged<uint, int>)fn)(0);
        return code == 0
            ? $"{lib.LoadedName} loaded and cuInit succeeds, but ILGPU could not use the driver{RegistrationNote()}"
            : $"{lib.LoadedName} loaded but cuInit failed: {(CudaError)code}";
    }

    internal static string Describe(CudaDevice d) =>
        $"{d.Name} (CUDA, {d.Architecture?.ToString() ?? "unknown architecture"}, driver {d.DriverVersion}, " +
        $"PTX ISA {d.InstructionSet?.ToString() ?? "none"}, {d.NumMultiprocessors} SMs, {Gib(d.MemorySize)} GiB)";

    // ---------------------------------------------------------------- OpenCL

    internal static Scan<CLDevice> ScanOpenCL()
    {
        IlgpuNativeLibraries.EnsureRegistered();
        if (!CLAPI.CurrentAPI.IsSupported)
            return new([], OpenCLUnavailableReason());

        var all = CLDevice.GetDevices(_ => true).OfType<CLDevice>().ToList();
        if (all.Count == 0)
            return new([], "no available OpenCL device on any platform");
        var usable = Rank(all.Where(d => OpenCLCompatibility.IsNativelySupported(d) || OpenCLCompatibility.IsCompatible(d)));
        if (usable.Count == 0)
        {
            var list = string.Join(", ", all.Select(d => $"{d.Name} (OpenCL C {CVersion(d)})"));
            return new([], $"no OpenCL device supports OpenCL C 1.2 or later: {list}");
        }
        return new(usable, null);
    }

    /// <summary>GPUs first, then devices ILGPU supports natively, then enumeration order.</summary>
    internal static List<CLDevice> Rank(IEnumerable<CLDevice> devices) =>
        devices
            .Select((d, i) => (d, i))
            .OrderBy(t => IsGpu(t.d) ? 0 : 1)
            .ThenBy(t => OpenCLCompatibility.IsNativelySupported(t.d) ? 0 : 1)
            .ThenBy(t => t.i)
            .Select(t => t.d)
            .ToList();

    internal static bool IsGpu(CLDevice d) => (d.DeviceType & CLDeviceType.CL_DEVICE_TYPE_GPU) != 0;

    private static string OpenCLUnavailableReason()
    {
        var lib = IlgpuNativeLibraries.OpenCL;
        var handle = lib.Load();
        if (handle == IntPtr.Zero)
            return lib.Describe() + RegistrationNote();
        // The loader is there, so ILGPU's clGetPlatformIDs found no platform or failed: ask why.
        if (!System.Runtime.InteropServices.NativeLibrary.TryGetExport(handle, "clGetPlatformIDs", out var fn))
            return $"{lib.LoadedName} loaded but has no clGetPlatformIDs";
        uint count = 0;
        int code = ((delegate* unmanaged<uint, IntPtr*, uint*, int>)fn)(0, null, &count);
        const int PlatformNotFoundKhr = -1001;
        if (code == PlatformNotFoundKhr || (code == 0 && count == 0))
            return $"no platform ({lib.LoadedName} loaded but found no OpenCL driver: see /etc/OpenCL/vendors, or run scripts/install-opencl.sh)";
        return code == 0
            ? $"{lib.LoadedName} reports {count} platform(s), but ILGPU could not use them{RegistrationNote()}"
            : $"{lib.LoadedName} loaded but clGetPlatformIDs failed: {(CLError)code}";
    }

    internal static string CVersion(CLDevice d) => $"{d.CVersion.Major}.{d.CVersion.Minor}";

    internal static string Describe(CLDevice d, bool compatibilityMode) =>
        $"{d.Name.Trim()} (OpenCL, vendor {d.VendorName.Trim()}, platform {d.PlatformName.Trim()}, " +
        $"{(IsGpu(d) ? "GPU" : d.DeviceType.ToString().Replace("CL_DEVICE_TYPE_", "", StringComparison.Ordinal))}, " +
        $"device OpenCL {d.DeviceVersion}, OpenCL C {CVersion(d)}, -cl-std={d.CLStdVersion}, " +
        $"compatibility mode: {(compatibilityMode ? "yes" : "no")})";

    // ---------------------------------------------------------------- ILGPU CPU

    internal static string DescribeCpu() =>
        $"ILGPU CPU accelerator (emulates a GPU: warp {CpuDevice.WarpSize}, up to {CpuDevice.MaxNumThreadsPerGroup} " +
        $"threads per group, {CpuDevice.NumMultiprocessors} multiprocessor; slow, for checking kernels)";

    // ---------------------------------------------------------------- SIMD CPU engine

    /// <summary>The processor and the vector path the cpu backend would use (threads are per network).</summary>
    internal static string DescribeSimdCpu() =>
        $"SIMD CPU engine: {Cpu.CpuFeatures.Describe(Cpu.CpuFeatures.Current)}, {Environment.ProcessorCount} processors";

    // ---------------------------------------------------------------- helpers

    private static string RegistrationNote() =>
        IlgpuNativeLibraries.RegistrationError is { } e ? $" [{e}]" : "";

    private static string Gib(long bytes) => (bytes / (1024.0 * 1024 * 1024)).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
}
