using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Cpu;

namespace ShuffleNetGpu.Tests.Runtime.Cpu;

/// <summary>Runs one CPU op on plain arrays (one per tensor id) and compares with the kernels' scalar references.</summary>
static class CpuOpHarness
{
    public const float Sentinel = 777.25f;

    /// <summary>The paths this processor can run (scalar always).</summary>
    public static IEnumerable<CpuPath> Paths => Enum.GetValues<CpuPath>().Where(p => p <= CpuFeatures.Best);

    public static TheoryData<CpuPath> PathData()
    {
        var data = new TheoryData<CpuPath>();
        foreach (var p in Paths) data.Add(p);
        return data;
    }

    /// <summary>Runs <paramref name="op"/> for <paramref name="n"/> images; <paramref name="buffers"/>[t] is tensor t
    /// ([n, C, H, W]); the output buffer is written in place.</summary>
    public static void Run(GraphOp op, TensorInfo[] tensors, IReadOnlyDictionary<string, float[]> weights, float[][] buffers,
        int n, CpuPath path, int threads)
    {
        using var cpu = CpuExecutor.Create(op, tensors, weights, path);
        Run(cpu, buffers, n, threads);
    }

    /// <summary>Runs <paramref name="cpu"/> (an op made by the caller) on <paramref name="threads"/> threads the same way.</summary>
    public static unsafe void Run(CpuOp cpu, float[][] buffers, int n, int threads)
    {
        using var pool = new CpuWorkerPool(threads);
        pool.EnsureScratch(cpu.ScratchFloats);
        var handles = buffers.Select(b => System.Runtime.InteropServices.GCHandle.Alloc(b, System.Runtime.InteropServices.GCHandleType.Pinned)).ToArray();
        try
        {
            float** t = stackalloc float*[buffers.Length];
            for (int i = 0; i < buffers.Length; i++) t[i] = (float*)handles[i].AddrOfPinnedObject();
            cpu.Run(pool, t, n);
        }
        finally
        {
            foreach (var h in handles) h.Free();
        }
    }

    public static float[] Random(Random rng, long count, float scale = 2f)
    {
        var a = new float[count];
        for (long i = 0; i < count; i++) a[i] = (rng.NextSingle() * 2 - 1) * scale;
        return a;
    }

    /// <summary>Asserts <paramref name="a"/> and <paramref name="b"/> hold the same bits (NaN payloads and signed zeros
    /// included), naming the first index that differs and both values there.</summary>
    public static void AssertSameBits(float[] a, float[] b, string what, string aName = "a", string bName = "b")
    {
        Assert.Equal(a.Length, b.Length);
        int differ = Enumerable.Range(0, a.Length).FirstOrDefault(j => BitConverter.SingleToInt32Bits(a[j]) != BitConverter.SingleToInt32Bits(b[j]), -1);
        Assert.True(differ < 0, $"{what}: index {differ} {aName} {(differ < 0 ? 0 : a[differ])}, {bName} {(differ < 0 ? 0 : b[differ])}");
    }

    public static float[] Filled(long count)
    {
        var a = new float[count];
        Array.Fill(a, Sentinel);
        return a;
    }

    public static ChannelMap Map(ChannelView v) =>
        new(v.Offset, v.Stride, v.ShuffleGroups > 1 ? v.ShuffleGroups : 0, v.ShuffleGroups > 1 ? v.ShuffleGroupSize : 0);

    public static Activation Kind(Activation a) => (Activation)(int)a;

    /// <summary>Compares the output slice [offset, offset + channels) of every image with the reference (relative L2
    /// and, per element, a bound scaled by the slice's largest value) and checks that everything else still holds the
    /// sentinel.</summary>
    public static void AssertSliceClose(float[] actual, float[] expected, int n, int totalChannels, int offset, int channels, int hw,
        double tolerance = 1e-5, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        double num = 0, den = 0, max = 0;
        for (int i = 0; i < expected.Length; i++)
            if (InSlice(i, totalChannels, offset, channels, hw)) max = Math.Max(max, Math.Abs((double)expected[i]));
        for (int i = 0; i < actual.Length; i++)
        {
            if (!InSlice(i, totalChannels, offset, channels, hw))
            {
                if (actual[i] != Sentinel) Assert.Fail($"{what}: element {i} outside the output slice was overwritten ({actual[i]})");
                continue;
            }
            float a = actual[i], e = expected[i];
            if (float.IsNaN(e) || float.IsNaN(a))
            {
                if (float.IsNaN(e) != float.IsNaN(a)) Assert.Fail($"{what}: element {i} is {a}, expected {e}");
                continue;
            }
            double d = (double)a - e;
            num += d * d;
            den += (double)e * e;
            if (Math.Abs(d) > tolerance * 20 * Math.Max(max, 1e-3))
                Assert.Fail($"{what}: element {i} (image {i / (totalChannels * hw)}, channel {i / hw % totalChannels}, pixel {i % hw}) is {a}, expected {e}");
        }
        double rel = Math.Sqrt(num / Math.Max(den, 1e-30));
        Assert.True(rel <= tolerance, $"{what}: relative L2 error {rel:E2} > {tolerance:E1}");
    }

    static bool InSlice(int i, int totalChannels, int offset, int channels, int hw)
    {
        int c = i / hw % totalChannels;
        return c >= offset && c < offset + channels;
    }

    /// <summary>The channel views ops meet in the graphs, for <paramref name="channels"/> logical channels.</summary>
    public static IEnumerable<(string Name, ChannelView View, int SourceChannels)> Views(int channels, int shuffleGroups)
    {
        yield return ("identity", ChannelView.Identity, channels);
        yield return ("slice+3", ChannelView.Slice(3), channels + 5);
        yield return ("split-even", ChannelView.SplitEven, 2 * channels);
        yield return ("split-odd", ChannelView.SplitOdd, 2 * channels + 1);
        if (shuffleGroups > 1 && channels % shuffleGroups == 0)
            yield return ($"shuffle{shuffleGroups}", ChannelView.GroupShuffle(shuffleGroups, channels), channels);
    }
}
