using ShuffleNetGpu.Kernels.Common;
using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using ShuffleNetGpu.Kernels;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Kernels;

/// <summary>
/// Compiles every kernel with ILGPU's PTX and OpenCL C backends, without a device (the backends only emit text),
/// in a plain context (no EnableAlgorithms, no libdevice) at O2, the level a release build ships. This catches
/// what the CPU accelerator accepts but GPU backends reject (e.g. MathF.Exp on PTX), and checks the
/// OpenCL-compatibility rules in the generated code: no atomics, no warp shuffles, no dynamic shared memory.
/// It does not replace running the kernels on a GPU.
/// </summary>
public sealed class BackendCompileTests(ITestOutputHelper output)
{
    private static EntryPointDescription Describe(KernelEntryPoint e) => e.ExplicitlyGrouped
        ? EntryPointDescription.FromExplicitlyGroupedKernel(e.Method)
        : EntryPointDescription.FromImplicitlyGroupedKernel(e.Method);

    [Fact]
    public void CatalogListsEveryLoadedKernel() =>
        // 6 ops x 5 activations, pointwise 2 tiles x 5 activations, blocked pointwise 4 tiles x 5, tiled depthwise
        // 5 tiles x 3 sizes + 4 other activations, pooled blocked pointwise 2 tiles x 2 activations, 2 pools, global average pool.
        Assert.Equal(6 * 5 + 2 * 5 + 4 * 5 + (5 * 3 + 4) + 2 * 2 + 3, KernelCatalog.EntryPoints.Count);

    [Fact]
    public void EveryKernelCompilesToPtx()
    {
        using var context = Context.Create(b => b.Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90),
            CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        var failures = new List<string>();
        foreach (var e in KernelCatalog.EntryPoints)
        {
            try
            {
                var specialization = KernelSpecialization.Empty;
                var ptx = ((PTXCompiledKernel)backend.Compile(Describe(e), specialization)).PTXAssembly;
                if (Regex.IsMatch(ptx, @"(^|\s)(atom|red)\.", RegexOptions.Multiline))
                    failures.Add($"{e.Name}: uses atomics");
                if (Regex.IsMatch(ptx, @"(^|\s)(shfl|vote|bar\.red|redux)\.", RegexOptions.Multiline))
                    failures.Add($"{e.Name}: uses warp shuffles or votes");
                if (ptx.Contains("extern .shared", StringComparison.Ordinal))
                    failures.Add($"{e.Name}: uses dynamic shared memory");
                if (ptx.Contains("call", StringComparison.Ordinal))
                    output.WriteLine($"{e.Name}: PTX contains a call (not everything inlined)");
            }
            catch (Exception ex)
            {
                failures.Add($"{e.Name}: {Innermost(ex).Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void EveryKernelCompilesToOpenCLC()
    {
        using var context = Context.Create(b => b.Optimize(OptimizationLevel.O2));
        using var backend = new CLBackend(context, new CLCapabilityContext(false, false, false, false, false),
            CLDeviceVendor.Nvidia, CLCVersion.CL20);
        var failures = new List<string>();
        foreach (var e in KernelCatalog.EntryPoints)
        {
            try
            {
                var specialization = KernelSpecialization.Empty;
                var source = ((CLCompiledKernel)backend.Compile(Describe(e), specialization)).Source;
                if (source.Contains("atomic", StringComparison.Ordinal) || source.Contains("atom_", StringComparison.Ordinal))
                    failures.Add($"{e.Name}: uses atomics");
                // Group.Barrier() becomes work_group_barrier(...), which is fine; collectives are not.
                if (Regex.IsMatch(source, @"sub_group_|work_group_(reduce|broadcast|scan|any|all)"))
                    failures.Add($"{e.Name}: uses sub-group or work-group collectives");
                // Static shared memory is a fixed-size local array in the kernel body.
                if (e.ExplicitlyGrouped != Regex.IsMatch(source, @"\blocal [\w ]+ \w+\[\d+\];"))
                    failures.Add($"{e.Name}: static shared memory use does not match the launch kind");
            }
            catch (Exception ex)
            {
                failures.Add($"{e.Name}: {Innermost(ex).Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>Documents the ILGPU behaviour that made <see cref="KernelMath.Exp"/> necessary.</summary>
    [Fact]
    public void MathFExpNeedsEnableAlgorithmsOnPtx()
    {
        using var context = Context.Create(b => b.Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90),
            CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        var method = typeof(MathFExpProbe).GetMethod(nameof(MathFExpProbe.Kernel))!;
        var specialization = KernelSpecialization.Empty;
        var ex = Assert.ThrowsAny<Exception>(() => backend.Compile(EntryPointDescription.FromImplicitlyGroupedKernel(method), specialization));
        Assert.Contains("ExpF", Innermost(ex).Message, StringComparison.Ordinal);
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException != null)
            ex = ex.InnerException;
        return ex;
    }
}

/// <summary>A kernel calling <see cref="MathF.Exp"/> (public: ILGPU's CPU path needs visible types).</summary>
public static class MathFExpProbe
{
    public static void Kernel(Index1D i, ArrayView<float> data) => data[i] = MathF.Exp(data[i]);
}
