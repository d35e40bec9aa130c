using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using ShuffleNetGpu.Runtime.Cpu;

namespace ShuffleNetGpu.Runtime.Backends;

/// <summary>
/// The backend a network runs on: for <see cref="BackendKind.Cuda"/>, <see cref="BackendKind.OpenCL"/> and
/// <see cref="BackendKind.IlgpuCpu"/> one ILGPU accelerator together with the ILGPU <see cref="Context"/> that owns it;
/// for <see cref="BackendKind.Cpu"/> (the SIMD engine) no ILGPU object at all. Create it with <see cref="Create(BackendKind, ILGPU.OptimizationLevel?)"/>;
/// dispose it to free the device (the accelerator, then the context).
/// </summary>
/// <remarks>Every context is created with ILGPU.Algorithms enabled (<c>EnableAlgorithms()</c>).</remarks>
public sealed class ComputeDevice : IDisposable
{
    private readonly Context? context;
    private readonly Accelerator? accelerator;
    private bool disposed;

    private ComputeDevice(Context? context, Accelerator? accelerator, BackendKind kind, string description,
        bool compatibilityMode, string? fallbackReason)
    {
        this.context = context;
        this.accelerator = accelerator;
        Kind = kind;
        Description = context is null ? description : $"{description}; ILGPU O{(int)context.Properties.OptimizationLevel}";
        OpenCLCompatibilityMode = compatibilityMode;
        FallbackReason = fallbackReason;
    }

    /// <summary>The backend actually used (never <see cref="BackendKind.Auto"/>).</summary>
    public BackendKind Kind { get; }

    /// <summary>One log-worthy line: the device name and, for CUDA, architecture, driver version and PTX ISA;
    /// for OpenCL, vendor, platform, OpenCL C version and whether compatibility mode is used; for cpu, the processor
    /// and the vector path.</summary>
    public string Description { get; }

    /// <summary>Whether this backend is an ILGPU accelerator (every kind but <see cref="BackendKind.Cpu"/>).</summary>
    public bool IsIlgpu => accelerator is not null;

    /// <summary>The ILGPU accelerator to allocate buffers on and load kernels with.</summary>
    /// <exception cref="InvalidOperationException">The cpu backend (the SIMD engine) has none.</exception>
    public Accelerator Accelerator => accelerator ?? throw NoAccelerator();

    /// <summary>The ILGPU context owning <see cref="Accelerator"/>.</summary>
    /// <exception cref="InvalidOperationException">The cpu backend (the SIMD engine) has none.</exception>
    public Context Context => context ?? throw NoAccelerator();

    private static InvalidOperationException NoAccelerator() =>
        new("the cpu backend is the SIMD CPU engine, not an ILGPU accelerator (ilgpu-cpu is ILGPU's CPU accelerator)");

    /// <summary>True if this is an OpenCL device running in <see cref="OpenCLCompatibility">compatibility
    /// mode</see> (its kernel rules apply).</summary>
    public bool OpenCLCompatibilityMode { get; }

    /// <summary>For <see cref="BackendKind.Auto"/>: why better backends were passed over
    /// (e.g. <c>cuda: libcuda.so.1 not found; opencl: no GPU device</c>); otherwise null.</summary>
    public string? FallbackReason { get; }

    /// <summary>Creates the backend for <paramref name="kind"/>. <see cref="BackendKind.Auto"/> picks CUDA, then an
    /// OpenCL GPU, then the SIMD CPU engine <c>cpu</c> (<see cref="FallbackReason"/> says why); a CPU OpenCL device
    /// (PoCL) and ilgpu-cpu are used only when named. A GPU backend that is present but fails to start is an error,
    /// also under Auto, rather than a silent fall back to the CPU. <c>opencl</c> prefers GPUs, then devices ILGPU
    /// supports natively, then the enumeration order. <c>cpu</c> creates no ILGPU object.</summary>
    /// <param name="kind">The backend.</param>
    /// <param name="level">ILGPU's optimization level; null keeps ILGPU's default (O1), except for an OpenCL device in
    /// compatibility mode, which needs O2 (see <see cref="OpenCLCompatibility.RequiredLevel"/>) and gets it. Ignored by cpu.</param>
    /// <exception cref="BackendException">The backend is not present here (the message says why and lists the
    /// present ones) or failed to start, or OpenCL compatibility mode was asked for with a level below O2.</exception>
    public static ComputeDevice Create(BackendKind kind, OptimizationLevel? level = null)
    {
        IlgpuNativeLibraries.EnsureRegistered();
        // The environment's level is read only where an ILGPU device is about to be built (LevelFromEnvironment in
        // each Create*): a bad value must not break the cpu backend, nor Auto on a machine where it picks cpu.
        switch (kind)
        {
            case BackendKind.Cuda:
                return CreateCuda(level, out var cudaReason) ?? throw NotPresent(kind, cudaReason!);
            case BackendKind.OpenCL:
                return CreateOpenCL(level, gpuOnly: false, out var clReason) ?? throw NotPresent(kind, clReason!);
            case BackendKind.IlgpuCpu:
                return CreateIlgpuCpu(level);
            case BackendKind.Cpu:
                return CreateSimdCpu(fallbackReason: null);
            case BackendKind.Auto:
                var cuda = CreateCuda(level, out var whyNotCuda);
                if (cuda is not null)
                    return cuda;
                var opencl = CreateOpenCL(level, gpuOnly: true, out var whyNotOpenCL);
                if (opencl is not null)
                    return opencl;
                return CreateSimdCpu($"cuda: {whyNotCuda}; opencl: {whyNotOpenCL}");
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a BackendKind");
        }
    }

    /// <summary>The variable that sets ILGPU's optimization level when a caller does not (<c>O0</c>, <c>O1</c>,
    /// <c>O2</c>): how the GPU check compares levels without a rebuild (O2 was up to 30% faster on an H100 in the anchor
    /// measurements, but one kernel there was wrong only at O2, so O2 becomes a default only after it is verified).</summary>
    public const string OptimizationVariable = "SHUFFLENET_ILGPU_OPTIMIZATION";

    internal static OptimizationLevel? LevelFromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(OptimizationVariable);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return text.Trim().ToUpperInvariant() switch
        {
            "O0" => OptimizationLevel.O0,
            "O1" => OptimizationLevel.O1,
            "O2" => OptimizationLevel.O2,
            _ => throw new BackendException($"{OptimizationVariable}='{text}': expected O0, O1 or O2 (or unset); it is read by the ILGPU backends only"),
        };
    }

    /// <summary>Creates device <paramref name="index"/> of <paramref name="kind"/> in its own ILGPU context: CUDA devices in
    /// the driver's order, OpenCL devices ranked as <see cref="Create(BackendKind, ILGPU.OptimizationLevel?)"/> ranks them
    /// (GPUs first), ilgpu-cpu and cpu have device 0 only. The same index twice gives two contexts on one device (each
    /// with its own kernels, buffers and stream). Auto is not accepted here: resolve it first
    /// (<see cref="Devices.DeviceSelection"/> does).</summary>
    /// <exception cref="BackendException">the backend is not present, or has no device <paramref name="index"/> (the message
    /// says how many it has).</exception>
    public static ComputeDevice Create(BackendKind kind, int index, OptimizationLevel? level)
    {
        IlgpuNativeLibraries.EnsureRegistered();
        int count = DeviceCount(kind);
        if (index < 0 || index >= count)
            throw new BackendException($"backend '{kind.ToName()}' has {count} device{(count == 1 ? "" : "s")} here (0..{count - 1}), no device {index}");
        return kind switch
        {
            BackendKind.Cuda => CreateCuda(level, out var cudaReason, index) ?? throw NotPresent(kind, cudaReason!),
            BackendKind.OpenCL => CreateOpenCL(level, gpuOnly: false, out var clReason, index) ?? throw NotPresent(kind, clReason!),
            BackendKind.IlgpuCpu or BackendKind.Cpu => Create(kind, level),
            _ => throw new BackendException($"backend '{kind.ToName()}' names no device: resolve auto to a backend first"),
        };
    }

    /// <summary>Devices of <paramref name="kind"/> present here (0 when the backend is absent; 1 for ilgpu-cpu and cpu).</summary>
    public static int DeviceCount(BackendKind kind) => kind switch
    {
        BackendKind.Cuda => BackendDiscovery.ScanCuda().Usable.Count,
        BackendKind.OpenCL => BackendDiscovery.ScanOpenCL().Usable.Count,
        BackendKind.IlgpuCpu or BackendKind.Cpu => 1,
        _ => throw new BackendException($"backend '{kind.ToName()}' names no device: resolve auto to a backend first"),
    };

    /// <summary>Parses <paramref name="backendName"/> (see <see cref="BackendNames.Parse"/>) and creates it.</summary>
    public static ComputeDevice Create(string backendName, OptimizationLevel? level = null) =>
        Create(BackendNames.Parse(backendName), level);

    /// <summary>Lists cuda, opencl, cpu and ilgpu-cpu: for present ones the device(s) they would use, for absent ones
    /// why not (e.g. <c>cuda: libcuda.so.1 not found</c>, <c>opencl: no platform</c>). Creates no accelerator.</summary>
    public static IReadOnlyList<BackendInfo> Probe()
    {
        var cuda = BackendDiscovery.ScanCuda();
        var opencl = BackendDiscovery.ScanOpenCL();
        return
        [
            cuda.Usable.Count > 0
                ? new BackendInfo(BackendKind.Cuda, true, string.Join("; ", cuda.Usable.Select(BackendDiscovery.Describe)))
                : new BackendInfo(BackendKind.Cuda, false, cuda.Reason!),
            opencl.Usable.Count > 0
                ? new BackendInfo(BackendKind.OpenCL, true, string.Join("; ", opencl.Usable.Select(d =>
                    BackendDiscovery.Describe(d, compatibilityMode: !OpenCLCompatibility.IsNativelySupported(d)))))
                : new BackendInfo(BackendKind.OpenCL, false, opencl.Reason!),
            new BackendInfo(BackendKind.Cpu, true, BackendDiscovery.DescribeSimdCpu()),
            new BackendInfo(BackendKind.IlgpuCpu, true, BackendDiscovery.DescribeCpu()),
        ];
    }

    /// <summary>One call at a time on this device: every <see cref="ShuffleNet"/> on it takes this gate for each call
    /// (networks loaded with their own device are alone on it; networks sharing a device take turns).</summary>
    internal SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Whether <see cref="Dispose"/> has run.</summary>
    public bool IsDisposed => disposed;

    /// <summary>Frees the accelerator and its context, after waiting for a call in flight on a network sharing this
    /// device (see <see cref="ShuffleNet.FromWeights(ShuffleNetGpu.Networks.Weights.ModelWeights, ComputeDevice, int)"/>);
    /// later calls on those networks throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        Gate.Wait();
        try
        {
            if (disposed)
                return;
            disposed = true;
            accelerator?.Dispose();
            context?.Dispose();
        }
        finally { Gate.Release(); }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind.ToName()}: {Description}";

    // ------------------------------------------------------------------------------------------------

    private static Context CreateContext(OptimizationLevel? level, Action<Context.Builder> devices) =>
        Context.Create(builder =>
        {
            devices(builder);
            if (level is { } l)
                builder.Optimize(l);
            builder.EnableAlgorithms();
        });

    private static ComputeDevice? CreateCuda(OptimizationLevel? level, out string? reason, int index = 0)
    {
        var scan = BackendDiscovery.ScanCuda();
        if (scan.Usable.Count == 0)
        {
            reason = scan.Reason;
            return null;
        }
        level ??= LevelFromEnvironment();
        var context = CreateContext(level, b => b.Cuda(BackendDiscovery.IsUsableByIlgpu));
        try
        {
            var devices = context.GetCudaDevices();
            if (devices.Count <= index)
                throw new BackendException("cuda: the CUDA device disappeared between probing and creating the context");
            var device = devices[index];
            var accelerator = device.CreateCudaAccelerator(context);
            reason = null;
            return new ComputeDevice(context, accelerator, BackendKind.Cuda, BackendDiscovery.Describe(device), false, null);
        }
        catch (Exception e) when (e is not BackendException)
        {
            context.Dispose();
            throw new BackendException($"cuda: creating the accelerator failed: {e.Message}", e);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private static ComputeDevice? CreateOpenCL(OptimizationLevel? level, bool gpuOnly, out string? reason, int index = 0)
    {
        var scan = BackendDiscovery.ScanOpenCL();
        var candidates = gpuOnly ? scan.Usable.Where(BackendDiscovery.IsGpu).ToList() : scan.Usable;
        if (candidates.Count == 0)
        {
            reason = scan.Reason
                ?? $"no GPU device (present, used only by --backend opencl: {string.Join(", ", scan.Usable.Select(d => d.Name.Trim()))})";
            return null;
        }
        level ??= LevelFromEnvironment();
        // The device we will pick is the one at index of the same ranking applied to the context's devices below.
        var chosen = candidates[Math.Min(index, candidates.Count - 1)];
        bool needsCompatibility = !OpenCLCompatibility.IsNativelySupported(chosen);
        if (gpuOnly && needsCompatibility && level is { } asked && asked < OpenCLCompatibility.RequiredLevel)
        {
            // Auto: skip rather than fail, the caller did not ask for OpenCL.
            reason = $"{chosen.Name.Trim()} needs compatibility mode, which needs optimization level " +
                     $"{OpenCLCompatibility.RequiredLevel}, not {asked}";
            return null;
        }
        var effectiveLevel = needsCompatibility ? OpenCLCompatibility.RequireLevel(level, chosen.Name.Trim()) : level;
        var context = CreateContext(effectiveLevel, b => b.OpenCL(d =>
            (OpenCLCompatibility.IsNativelySupported(d) || OpenCLCompatibility.IsCompatible(d)) &&
            (!gpuOnly || BackendDiscovery.IsGpu(d))));
        try
        {
            var registered = new List<CLDevice>();
            foreach (var d in context.GetCLDevices())
                registered.Add(d);
            var ranked = BackendDiscovery.Rank(registered);
            if (ranked.Count <= index)
                throw new BackendException("opencl: the OpenCL device disappeared between probing and creating the context");
            var device = ranked[index];
            if (!OpenCLCompatibility.IsNativelySupported(device) && !needsCompatibility)
                throw new BackendException("opencl: the OpenCL devices changed between probing and creating the context");
            // Compatibility mode: see OpenCLCompatibility (ILGPU 1.5.3 refuses OpenCL C 1.2 devices).
            bool compatibilityMode = OpenCLCompatibility.Apply(device);
            var accelerator = device.CreateCLAccelerator(context);
            reason = null;
            return new ComputeDevice(context, accelerator, BackendKind.OpenCL,
                BackendDiscovery.Describe(device, compatibilityMode), compatibilityMode, null);
        }
        catch (Exception e) when (e is not BackendException)
        {
            context.Dispose();
            throw new BackendException($"opencl: creating the accelerator failed: {e.Message}", e);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private static ComputeDevice CreateSimdCpu(string? fallbackReason) =>
        new(null, null, BackendKind.Cpu, BackendDiscovery.DescribeSimdCpu(), false, fallbackReason);

    private static ComputeDevice CreateIlgpuCpu(OptimizationLevel? level)
    {
        level ??= LevelFromEnvironment();
        var context = CreateContext(level, b => b.CPU(BackendDiscovery.CpuDevice));
        try
        {
            var accelerator = context.GetCPUDevice(0).CreateCPUAccelerator(context);
            return new ComputeDevice(context, accelerator, BackendKind.IlgpuCpu, BackendDiscovery.DescribeCpu(), false, null);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private static BackendException NotPresent(BackendKind kind, string reason)
    {
        var present = Probe().Where(p => p.IsPresent).Select(p => p.Name);
        return new BackendException(
            $"backend '{kind.ToName()}' is not present on this machine: {reason}; present backends: {string.Join(", ", present)}");
    }
}
