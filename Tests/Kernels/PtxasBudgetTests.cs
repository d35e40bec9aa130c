using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ShuffleNetGpu.Kernels;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Kernels;

/// <summary>A theory that skips (with the reason) when ptxas is absent, unless <c>SHUFFLENET_REQUIRE_PTXAS=1</c>.</summary>
public sealed class PtxasTheoryAttribute : TheoryAttribute
{
    public PtxasTheoryAttribute()
    {
        if (!Ptxas.Required && Ptxas.AbsentReason is { } reason)
            Skip = reason;
    }
}

/// <summary>
/// Static budgets, checked without a GPU: every catalog kernel is compiled by ILGPU to PTX for sm_90 (as the
/// CUDA backend does, <c>EnableAlgorithms</c> included) at O1 (what CUDA ships: ILGPU's default) and O2 (OpenCL's
/// level, and CUDA's with SHUFFLENET_ILGPU_OPTIMIZATION=O2), then assembled by NVIDIA's ptxas 11.8. Fails on any
/// spill or stack frame, registers above the kernel's budget (two groups per SM), static shared memory above
/// 48 KB, and for the GPU's pointwise kernels on fewer than 4 FFMA per shared-memory load in the hot loop or any
/// integer division (MUFU.RCP) in the K loop. Why these: ../shared/anchors/gpu-ilgpu.md measured the FFMA : LDS
/// ratio tracking speed on an H100 (0.5 -> 4-5, 2 -> 10-13, 8 -> 13-19 TFLOP/s).
/// </summary>
public sealed class PtxasBudgetTests(ITestOutputHelper output)
{
    /// <summary>The most static shared memory a group may take without opting in to more (48 KB on every CUDA GPU).</summary>
    public const int MaxStaticSharedBytes = 48 * 1024;

    /// <summary>The least FFMA per shared-memory load instruction in a pointwise kernel's hot loop.</summary>
    public const double MinFfmaPerSharedLoad = 4;

    /// <summary>The least FFMA per shared-memory load in each compute loop of the tiled depthwise kernel: by design
    /// 3 (stride 2, K 3: 12 FFMA per 3 input and 1 weight Float4) to 5.6 (stride 1, K 7: 28 per 3 + 2).</summary>
    public const double MinDepthwiseFfmaPerSharedLoad = 3;

    public static TheoryData<OptimizationLevel> Levels() => [OptimizationLevel.O1, OptimizationLevel.O2];

    /// <summary>The pointwise kernels held to the hot-loop budget: the blocked kernel, every tile.</summary>
    private static bool IsBlockedPointwise(KernelEntryPoint e) => e.Method.DeclaringType == typeof(BlockedPointwiseConv2d);

    private static bool IsTiledDepthwise(KernelEntryPoint e) => e.Method.DeclaringType == typeof(TiledDepthwiseConv2d);

    /// <summary>Pointwise kernels whose SASS figures are read (the reference's are reported, not held to the budget).</summary>
    private static bool IsPointwise(KernelEntryPoint e) =>
        IsBlockedPointwise(e) || e.Method.DeclaringType == typeof(PointwiseConv2d);

    [PtxasTheory]
    [MemberData(nameof(Levels))]
    public void EveryKernelMeetsItsStaticBudgets(OptimizationLevel level)
    {
        Assert.Null(Ptxas.AbsentReason);
        var failures = new List<string>();
        foreach (var (e, a) in AssembleCatalog(level, withSass: e => IsPointwise(e) || IsTiledDepthwise(e)))
        {
            output.WriteLine($"{a} (budget {e.RegisterBudget} registers at {e.ThreadsPerGroup} threads)");
            if (a.StackFrameBytes > 0 || a.SpillStoreBytes > 0 || a.SpillLoadBytes > 0)
                failures.Add($"{a}: spills or uses a stack frame");
            if (a.Registers > e.RegisterBudget)
                failures.Add($"{a}: more than {e.RegisterBudget} registers (two groups of {e.ThreadsPerGroup} threads per SM)");
            if (a.StaticSharedBytes > MaxStaticSharedBytes)
                failures.Add($"{a}: more than {MaxStaticSharedBytes} B of static shared memory");
            if (IsPointwise(e))
            {
                var hotLoop = HotLoopFailures(a).ToList();
                if (IsBlockedPointwise(e))
                    failures.AddRange(hotLoop);
            }
            if (IsTiledDepthwise(e))
                failures.AddRange(DepthwiseLoopFailures(a));
        }
        Assert.True(failures.Count == 0, $"O{(int)level}:{Environment.NewLine}{string.Join(Environment.NewLine, failures)}");
    }

    private IEnumerable<string> HotLoopFailures(Assembly a)
    {
        var code = SassListing.Parse(a.Sass);
        var hot = SassListing.HotLoop(code);
        int reciprocals = code.Count(i => SassListing.IsReciprocal(i.Opcode));
        if (hot is not { } h)
        {
            yield return $"{a.Name}: no loop found in its SASS ({code.Count} instructions)";
            yield break;
        }
        int ffma = h.Inner.Count(SassListing.IsFfma), lds = h.Inner.Count(SassListing.IsSharedLoad);
        int loopReciprocals = h.Outer.Count(SassListing.IsReciprocal);
        output.WriteLine($"  SASS: hot loop {ffma} FFMA : {lds} LDS = {(lds == 0 ? "inf" : $"{(double)ffma / lds:F1}")}; " +
                         $"MUFU.RCP {reciprocals} in the kernel, {loopReciprocals} in the K loop " +
                         $"(0x{h.Outer.Start:x}-0x{h.Outer.End:x}, {h.Outer.Body.Count} instructions)");
        if (ffma < MinFfmaPerSharedLoad * lds)
            yield return $"{a.Name}: {ffma} FFMA per {lds} shared loads in its hot loop (at least {MinFfmaPerSharedLoad} per load)";
        if (loopReciprocals > 0)
            yield return $"{a.Name}: {loopReciprocals} integer-division sequences (MUFU.RCP) in its K loop";
    }

    /// <summary>The tiled depthwise kernel's compute loops (one per stride: the innermost loops holding FFMA) each at
    /// least <see cref="MinDepthwiseFfmaPerSharedLoad"/> FFMA per shared load, and no integer division in any loop
    /// (tile staging included).</summary>
    private IEnumerable<string> DepthwiseLoopFailures(Assembly a)
    {
        var code = SassListing.Parse(a.Sass);
        var loops = SassListing.Loops(code);
        var compute = loops.Where(l => l.Count(SassListing.IsFfma) > 0 &&
                                       !loops.Any(o => l.Contains(o) && o.Count(SassListing.IsFfma) > 0)).ToList();
        if (compute.Count == 0)
            yield return $"{a.Name}: no loop with FFMA found in its SASS ({code.Count} instructions)";
        foreach (var l in compute)
        {
            int ffma = l.Count(SassListing.IsFfma), lds = l.Count(SassListing.IsSharedLoad);
            output.WriteLine($"  SASS: compute loop 0x{l.Start:x}-0x{l.End:x}: {ffma} FFMA : {lds} LDS = {(lds == 0 ? "inf" : $"{(double)ffma / lds:F1}")}");
            if (ffma < MinDepthwiseFfmaPerSharedLoad * lds)
                yield return $"{a.Name}: {ffma} FFMA per {lds} shared loads in a compute loop (at least {MinDepthwiseFfmaPerSharedLoad} per load)";
        }
        int loopReciprocals = loops.Sum(l => l.Count(SassListing.IsReciprocal));
        output.WriteLine($"  SASS: MUFU.RCP {code.Count(i => SassListing.IsReciprocal(i.Opcode))} in the kernel, {loopReciprocals} in loops ({loops.Count} loops)");
        if (loopReciprocals > 0)
            yield return $"{a.Name}: {loopReciprocals} integer-division sequences (MUFU.RCP) inside loops";
    }

    private static IEnumerable<(KernelEntryPoint, Assembly)> AssembleCatalog(OptimizationLevel level,
        Func<KernelEntryPoint, bool> withSass)
    {
        using var context = Context.Create(b => b.Optimize(level).EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90),
            CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        var compiled = new List<(KernelEntryPoint, string)>();
        // SHUFFLENET_PTXAS_ONLY=name-part narrows the run while working on one kernel (CI leaves it unset).
        string only = Environment.GetEnvironmentVariable("SHUFFLENET_PTXAS_ONLY") ?? "";
        foreach (var e in KernelCatalog.EntryPoints.Where(e => e.Name.Contains(only, StringComparison.Ordinal)))
        {
            var description = e.ExplicitlyGrouped
                ? EntryPointDescription.FromExplicitlyGroupedKernel(e.Method)
                : EntryPointDescription.FromImplicitlyGroupedKernel(e.Method);
            compiled.Add((e, ((PTXCompiledKernel)backend.Compile(description, KernelSpecialization.Empty)).PTXAssembly));
        }
        // ptxas runs are independent processes: run them side by side.
        var results = compiled.AsParallel().AsOrdered()
            .Select(c => (c.Item1, Ptxas.Assemble(c.Item2, $"{c.Item1.Name} O{(int)level}", withSass(c.Item1)))).ToList();
        return results;
    }
}

/// <summary>The SASS reader on a hand-written listing (runs without ptxas).</summary>
public sealed class SassListingTests
{
    private const string Listing = """
                Function : Kernel
        /*0000*/                   MOV R1, c[0x0][0x28] ;                   /* 0x00000a0000017a02 */
        /*0010*/                   MUFU.RCP R3, R2 ;                        /* 0x0000000200037308 */
        /*0020*/                   LDS.128 R4, [R0] ;                       /* 0x0000000000047984 */
        /*0030*/                   LDS R8, [R0+0x10] ;                      /* 0x0000100000087984 */
        /*0040*/                   FFMA R9, R4, R8, R9 ;                    /* 0x0000000804097223 */
        /*0050*/                   FFMA R10, R5, R8, R10 ;                  /* 0x00000008050a7223 */
        /*0060*/              @!P0 BRA 0x20 ;                               /* 0xfffffffc00008947 */
        /*0070*/                   MUFU.RCP R11, R2 ;                       /* 0x00000002000b7308 */
        /*0080*/               @P1 BRA 0x10 ;                               /* 0xfffffffc00008947 */
        /*0090*/                   EXIT ;                                   /* 0x000000000000794d */
        /*00a0*/                   BRA 0xa0;                                /* 0xfffffffc00007947 */
        """;

    [Fact]
    public void FindsTheHotLoopAndItsEnclosingLoop()
    {
        var code = SassListing.Parse(Listing);
        Assert.Equal(11, code.Count);
        Assert.Equal("LDS.128", code[2].Opcode);
        Assert.Equal(0x20, code[6].BranchTarget);
        var (inner, outer) = SassListing.HotLoop(code)!.Value;
        Assert.Equal((0x20, 0x60), (inner.Start, inner.End));
        Assert.Equal(2, inner.Count(SassListing.IsFfma));
        Assert.Equal(2, inner.Count(SassListing.IsSharedLoad));
        Assert.Equal(0, inner.Count(SassListing.IsReciprocal));
        Assert.Equal((0x10, 0x80), (outer.Start, outer.End));
        Assert.Equal(2, outer.Count(SassListing.IsReciprocal));
    }

    [Fact]
    public void LowersOnlyTheVersionLine() =>
        Assert.Equal(".version 7.8\n.target sm_90\n// .version 8.0",
            Ptxas.LowerVersion(".version 8.0\n.target sm_90\n// .version 8.0"));
}
