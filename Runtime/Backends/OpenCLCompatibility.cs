using System.Reflection;
using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Runtime.OpenCL;

namespace ShuffleNetGpu.Runtime.Backends;

/// <summary>
/// OpenCL compatibility mode: lets ILGPU 1.5.3 create a <see cref="CLAccelerator"/> for a device that reports
/// only OpenCL C 1.2 and no generic address space (NVIDIA's OpenCL, PoCL 3.1), which ILGPU refuses although the
/// code it generates runs correctly on them under the kernel rules below.
/// </summary>
/// <remarks>
/// <para><b>What ILGPU 1.5.3 checks</b> (source tag v1.5.3, m4rs-mt/ILGPU):</para>
/// <list type="number">
/// <item><c>CLContextExtensions.OpenCL(Context.Builder)</c> registers only devices with
/// <c>CLStdVersion &gt;= CLBackend.MinimumVersion</c> (OpenCL C 2.0) <c>&amp;&amp; Capabilities.GenericAddressSpace</c>.
/// We bypass this with the public overload <c>OpenCL(builder, predicate)</c>, which registers any device.</item>
/// <item><c>CLDevice</c>'s constructor (<c>InitGenericAddressSpaceSupport</c>) sets
/// <c>CLCapabilityContext.GenericAddressSpace</c> to false for device version &lt; 2.0, and for 3.0 devices to
/// <c>CL_DEVICE_GENERIC_ADDRESS_SPACE_SUPPORT</c> (false on NVIDIA and PoCL). The <c>CLAccelerator</c> constructor
/// then throws <c>GetNotSupportedGenericAddressSpaceException()</c> if that flag is false.</item>
/// </list>
/// <para><b>What this class changes</b>, and nothing else: it sets the flag
/// <c>CLCapabilityContext.GenericAddressSpace</c> (a public property with an <c>internal</c> setter) to true on
/// the <see cref="CLDevice"/> instance about to be turned into an accelerator, through reflection on that
/// setter. In ILGPU 1.5.3 this flag is read only by that constructor check (and by <c>CLDevice.PrintGeneralInfo</c>);
/// it adds no <c>#pragma OPENCL EXTENSION</c> and does not alter code generation. The OpenCL C standard passed
/// to the compiler stays ILGPU's own choice (<c>CLDevice.CLStdVersion</c>: 3.0 for an OpenCL 3.0 device such
/// as PoCL 3.1 or NVIDIA, else the device's OpenCL C version). Because this depends on ILGPU internals, it
/// refuses to run unless the loaded ILGPU is exactly <see cref="SupportedIlgpuVersion"/>.</para>
/// <para>Besides the bypass, compatibility mode compiles at <see cref="RequiredLevel"/> (O2): found by running
/// PoCL 3.1, the flag alone is not enough, because at ILGPU's default level (O1) array views are emitted as
/// <c>__generic</c> pointers that an OpenCL C 1.2 compiler rejects.</para>
/// <para><b>Kernel rules in compatibility mode</b> (kernels that must run on <c>opencl</c>):</para>
/// <list type="bullet">
/// <item>the context is compiled at <see cref="RequiredLevel"/> (O2; <see cref="ComputeDevice.Create(BackendKind, ILGPU.OptimizationLevel?)"/> does this), and
/// every pointer must get a fixed address space from ILGPU's O2 inference: kernel parameters become <c>global</c>,
/// shared memory <c>local</c>; do not choose at run time between a shared-memory view and a global view for the same
/// variable or helper argument, which would leave a <c>__generic</c> pointer;</item>
/// <item>shared memory only as static shared memory (<c>SharedMemory.Allocate&lt;T&gt;(constant)</c>), never dynamic
/// shared memory;</item>
/// <item>no warp or group shuffles/reductions/broadcasts (<c>Warp.Shuffle*</c>, <c>Group.Reduce</c>/<c>Broadcast</c>,
/// ILGPU.Algorithms warp/group extensions), since sub-groups and generic pointers are unavailable;</item>
/// <item>no atomics;</item>
/// <item><c>Group.Barrier()</c>, static shared memory, plain <c>ArrayView</c> loads/stores and math are fine.</item>
/// </list>
/// <para>A kernel that breaks these rules fails to load with a bare <c>CLException</c> (CL_BUILD_PROGRAM_FAILURE);
/// ILGPU writes the OpenCL compiler's build log to <see cref="System.Diagnostics.Trace"/>.</para>
/// </remarks>
public static class OpenCLCompatibility
{
    /// <summary>The only ILGPU assembly version the bypass was written and checked against.</summary>
    public static readonly Version SupportedIlgpuVersion = new(1, 5, 3, 0);

    /// <summary>The informational version of that ILGPU build: tag v1.5.3 is commit 2efd942c of m4rs-mt/ILGPU, the
    /// source the bypass was checked against.</summary>
    public const string SupportedIlgpuInformationalVersion = "1.5.3+2efd942cf020da83c32278a6666d57c1d8505077";

    /// <summary>The loaded ILGPU assembly's informational version (or null).</summary>
    public static string? LoadedIlgpuInformationalVersion =>
        typeof(ILGPU.Context).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    /// <summary>The loaded ILGPU assembly's version.</summary>
    public static Version LoadedIlgpuVersion =>
        typeof(ILGPU.Context).Assembly.GetName().Version ?? new Version(0, 0);

    /// <summary>True if ILGPU itself accepts <paramref name="device"/> (OpenCL C 2.0 and generic address space):
    /// no compatibility mode needed. Mirrors <c>CLContextExtensions.OpenCL(Context.Builder)</c>.</summary>
    public static bool IsNativelySupported(CLDevice device) =>
        device.CLStdVersion >= CLBackend.MinimumVersion && device.Capabilities.GenericAddressSpace;

    /// <summary>True if compatibility mode can serve <paramref name="device"/> (OpenCL C 1.2 or later).</summary>
    public static bool IsCompatible(CLDevice device) => device.CVersion >= CLCVersion.CL12;

    /// <summary>Throws unless the loaded ILGPU is <see cref="SupportedIlgpuVersion"/>.</summary>
    /// <exception cref="BackendException">Another ILGPU version is loaded.</exception>
    public static void EnsureSupportedIlgpuVersion()
    {
        var loaded = LoadedIlgpuVersion;
        var informational = LoadedIlgpuInformationalVersion;
        if (loaded != SupportedIlgpuVersion || informational != SupportedIlgpuInformationalVersion)
        {
            throw new BackendException(
                $"OpenCL compatibility mode was written for ILGPU {SupportedIlgpuInformationalVersion} but ILGPU " +
                $"{informational ?? loaded.ToString()} is loaded; " +
                "re-check ILGPU's OpenCL device checks (see Runtime/Backends/OpenCLCompatibility.cs) before updating " +
                "SupportedIlgpuVersion, or use --backend cuda / ilgpu-cpu");
        }
    }

    /// <summary>The optimization level compatibility mode needs: <see cref="OptimizationLevel.O2"/>. Only at O2 does
    /// ILGPU 1.5.3 run <c>InferKernelAddressSpaces(Global)</c> and <c>InferLocalAddressSpaces</c>
    /// (<c>Optimizer.AddBackendOptimizations</c>); at O0/O1 views become <c>__generic</c> pointers
    /// (<c>typedef __generic float* ...</c>), which OpenCL C 1.2 compilers reject ("OpenCL C version 3.0 does not support
    /// the '__generic' type qualifier" on PoCL 3.1).</summary>
    public const OptimizationLevel RequiredLevel = OptimizationLevel.O2;

    /// <summary>The level to use in compatibility mode: <see cref="RequiredLevel"/> when <paramref name="level"/> is
    /// null; throws if the caller asked for a lower one.</summary>
    /// <exception cref="BackendException"><paramref name="level"/> is below O2.</exception>
    public static OptimizationLevel RequireLevel(OptimizationLevel? level, string deviceName)
    {
        if (level is { } l && l < RequiredLevel)
        {
            throw new BackendException(
                $"OpenCL device '{deviceName}' runs in compatibility mode, which needs optimization level {RequiredLevel} " +
                $"(ILGPU infers non-generic address spaces only at O2), but {l} was asked for");
        }
        return RequiredLevel;
    }

    /// <summary>Marks <paramref name="device"/> as having the generic address space so that ILGPU's
    /// <see cref="CLAccelerator"/> constructor accepts it. Does nothing for natively supported devices.</summary>
    /// <returns>True if compatibility mode was applied, false if the device needed none.</returns>
    /// <exception cref="BackendException">Wrong ILGPU version, an OpenCL C version below 1.2, or the ILGPU
    /// internals differ from what this was written for.</exception>
    public static bool Apply(CLDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Capabilities.GenericAddressSpace)
            return false;
        EnsureSupportedIlgpuVersion();
        if (!IsCompatible(device))
        {
            throw new BackendException(
                $"OpenCL device '{device.Name}' supports only OpenCL C {device.CVersion}; compatibility mode needs 1.2 or later");
        }

        var setter = typeof(CLCapabilityContext)
            .GetProperty(nameof(CLCapabilityContext.GenericAddressSpace), BindingFlags.Public | BindingFlags.Instance)
            ?.GetSetMethod(nonPublic: true);
        if (setter is null || setter.IsPublic)
        {
            throw new BackendException(
                "OpenCL compatibility mode: ILGPU's CLCapabilityContext.GenericAddressSpace no longer has the internal " +
                "setter this bypass relies on");
        }
        setter.Invoke(device.Capabilities, [true]);
        if (!device.Capabilities.GenericAddressSpace)
            throw new BackendException("OpenCL compatibility mode: setting CLCapabilityContext.GenericAddressSpace had no effect");
        return true;
    }
}
