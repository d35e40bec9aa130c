using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Kernels.Common;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Kernels;

/// <summary>
/// The TF32 pointwise kernel, without a GPU: ILGPU compiles it to PTX for sm_90 (the tensor-core branch, since the PTX
/// backend is CUDA), and NVIDIA's ptxas assembles it. Fails when the inline PTX does not assemble, on any spill or stack
/// frame, on registers above two 256-thread groups per SM (128), and when the SASS holds no HMMA (tensor-core) instruction
/// or no <c>cvt.rna.tf32</c> in the PTX. The stack and spill budget holds at O2, the level tf32 networks are compiled at
/// (<c>ShuffleNet.FromWeights</c> with <c>Precision.Tf32</c>): at O1 ILGPU keeps every inline-PTX operand in local
/// memory (88 four-byte slots, a 352 B stack frame), so O1 is only required to assemble, with its HMMA. The kernel is not in <see cref="KernelCatalog"/> (whose budget test is another
/// file's): it is compiled here, one specialisation per activation.
/// </summary>
public sealed class Tf32PtxasTests(ITestOutputHelper output)
{
    /// <summary>O2 only in CI (the level tf32 networks compile at; 20 s a level on 2 cores). O1 was assembled once too:
    /// it assembles, with HMMA, and a 352 B stack frame (docs/notes.md, issue 16).</summary>
    public static TheoryData<OptimizationLevel> Levels() => [OptimizationLevel.O2];

    static readonly Type[] Activations = [typeof(Identity), typeof(Relu), typeof(HardSwish), typeof(HardSigmoid), typeof(Sigmoid)];

    /// <summary>Registers that let two groups of <see cref="Tf32PointwiseConv2d.Threads"/> share an SM.</summary>
    const int RegisterBudget = 65536 / (2 * Tf32PointwiseConv2d.Threads);

    [PtxasTheory]
    [MemberData(nameof(Levels))]
    public void TheTensorCoreKernelAssemblesWithinBudget(OptimizationLevel level)
    {
        Assert.Null(Ptxas.AbsentReason);
        var method = typeof(Tf32PointwiseConv2d).GetMethod("Kernel", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)!;
        using var context = Context.Create(b => b.Optimize(level).EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90),
            CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        var compiled = Activations.Select(act =>
        {
            var kernel = method.MakeGenericMethod(act);
            var ptx = ((PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(kernel), KernelSpecialization.Empty)).PTXAssembly;
            return (Name: $"Tf32PointwiseConv2d<{act.Name}> O{(int)level}", Ptx: ptx);
        }).ToList();
        var failures = new List<string>();
        foreach (var (name, ptx) in compiled)
        {
            if (!ptx.Contains("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32")) failures.Add($"{name}: no mma.sync in its PTX");
            if (!ptx.Contains("cvt.rna.tf32.f32")) failures.Add($"{name}: no cvt.rna.tf32.f32 in its PTX");
        }
        var assembled = compiled.AsParallel().AsOrdered().Select(c => Ptxas.Assemble(c.Ptx, c.Name, withSass: true)).ToList();
        foreach (var a in assembled)
        {
            int hmma = a.Sass.Split('\n').Count(line => line.Contains("HMMA.", StringComparison.Ordinal));
            output.WriteLine($"{a} (budget {RegisterBudget} registers at {Tf32PointwiseConv2d.Threads} threads); {hmma} HMMA");
            if (level >= OptimizationLevel.O2 && (a.StackFrameBytes > 0 || a.SpillStoreBytes > 0 || a.SpillLoadBytes > 0))
                failures.Add($"{a}: spills or uses a stack frame");
            if (a.Registers > RegisterBudget) failures.Add($"{a}: more than {RegisterBudget} registers");
            if (a.StaticSharedBytes > PtxasBudgetTests.MaxStaticSharedBytes) failures.Add($"{a}: more static shared memory than 48 KB");
            if (hmma == 0) failures.Add($"{a.Name}: no HMMA instruction in its SASS");
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
