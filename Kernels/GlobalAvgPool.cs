using ShuffleNetGpu.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;

namespace ShuffleNetGpu.Kernels;

/// <summary>Shape of a <see cref="GlobalAvgPool"/>: [N, C, H, W] read through a channel map, to a dense [N, C].</summary>
public record struct GlobalAvgPoolParams
{
    /// <summary>Batch size.</summary>
    public int N;
    /// <summary>Channels.</summary>
    public int C;
    /// <summary>Input height.</summary>
    public int H;
    /// <summary>Input width.</summary>
    public int W;
    /// <summary>Channels per image of the input buffer.</summary>
    public int InTotalChannels;
    /// <summary>How logical channels map to input-buffer channels.</summary>
    public ChannelMap InMap;

    /// <summary>A shape; <paramref name="inTotalChannels"/> defaults to <paramref name="c"/>.</summary>
    public static GlobalAvgPoolParams Create(int n, int c, int h, int w, ChannelMap inMap = default,
        int inTotalChannels = 0) => new()
    {
        N = n, C = c, H = h, W = w, InMap = inMap, InTotalChannels = inTotalChannels > 0 ? inTotalChannels : c,
    };

    /// <summary>Minimum input buffer length.</summary>
    public readonly long InputBufferLength => (long)N * InTotalChannels * H * W;

    internal readonly void Validate(string op)
    {
        Checks.Map(N, C, H, W, op);
        Checks.Input(InMap, C, InTotalChannels, InputBufferLength, "In", op);
    }
}

/// <summary>
/// Global average pooling: <c>out[n, c] = (sum_{y, x} in[n, InMap.Source(c), y, x]) / (H * W)</c>, output dense
/// [N, C]. One group per (n, c): each thread sums a strided part of the map, then a shared-memory tree
/// (barriers only) adds the partial sums, so the summation order differs from the sequential reference.
/// </summary>
public sealed class GlobalAvgPool
{
    private const string Op = nameof(GlobalAvgPool);

    /// <summary>Largest group size used (the static shared array's length).</summary>
    public const int MaxThreads = 256;

    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, GlobalAvgPoolParams> kernel;

    /// <summary>Compiles the kernel on <paramref name="accelerator"/>.</summary>
    public GlobalAvgPool(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        Accelerator = accelerator;
        int threads = 1;
        while (threads * 2 <= Math.Min(MaxThreads, accelerator.MaxNumThreadsPerGroup))
            threads *= 2;
        Threads = threads;
        kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, GlobalAvgPoolParams>(Kernel);
    }

    /// <summary>The accelerator the kernel was compiled for.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Threads per group (a power of two, at most <see cref="MaxThreads"/>).</summary>
    public int Threads { get; }

    /// <summary>Enqueues the pooling on <paramref name="stream"/> (default stream if null); does not synchronise.</summary>
    /// <param name="stream">Stream, or null for the default stream.</param>
    /// <param name="input">Input buffer, at least N * InTotalChannels * H * W elements.</param>
    /// <param name="output">Output [N, C], at least N * C elements (the first N * C are written).</param>
    /// <param name="p">Shape.</param>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public void Launch(AcceleratorStream? stream, ArrayView<float> input, ArrayView<float> output,
        in GlobalAvgPoolParams p)
    {
        p.Validate(Op);
        Checks.View(input, p.InputBufferLength, nameof(input), Op);
        Checks.View(output, (long)p.N * p.C, nameof(output), Op);
        // Small maps do not need a full group.
        int threads = Threads;
        while (threads > 32 && threads / 2 >= p.H * p.W)
            threads /= 2;
        kernel(stream ?? Accelerator.DefaultStream, new KernelConfig(p.N * p.C, threads), input, output, p);
    }

    /// <summary>The kernel: grid N * C groups (one per output), group size a power of two.</summary>
    internal static void Kernel(ArrayView<float> input, ArrayView<float> output, GlobalAvgPoolParams p)
    {
        var partial = SharedMemory.Allocate<float>(MaxThreads);
        int row = Grid.IdxX;
        int n = row / p.C;
        int c = row - n * p.C;
        int tid = Group.IdxX;
        int threads = Group.DimX;
        int hw = p.H * p.W;
        int inBase = (n * p.InTotalChannels + p.InMap.Source(c)) * hw;

        float sum = 0f;
        for (int i = tid; i < hw; i += threads)
            sum += input[inBase + i];
        partial[tid] = sum;
        Group.Barrier();

        for (int half = threads / 2; half > 0; half /= 2)
        {
            if (tid < half)
                partial[tid] += partial[tid + half];
            Group.Barrier();
        }

        if (tid == 0)
            output[row] = partial[0] / hw;
    }

    /// <summary>Plain scalar reference (sequential sum, then divide by H * W).</summary>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public static void Reference(ReadOnlySpan<float> input, Span<float> output, in GlobalAvgPoolParams p)
    {
        p.Validate(Op);
        ReferenceChecks.Span(input.Length, p.InputBufferLength, nameof(input), Op);
        ReferenceChecks.Span(output.Length, (long)p.N * p.C, nameof(output), Op);
        int hw = p.H * p.W;
        for (int n = 0; n < p.N; n++)
        for (int c = 0; c < p.C; c++)
        {
            int inBase = (n * p.InTotalChannels + p.InMap.Source(c)) * hw;
            float sum = 0f;
            for (int i = 0; i < hw; i++)
                sum += input[inBase + i];
            output[n * p.C + c] = sum / hw;
        }
    }
}
