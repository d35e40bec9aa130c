using ShuffleNetGpu.Kernels.Common;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ShuffleNetGpu.Kernels;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Tests.Kernels;

/// <summary>
/// One ILGPU context and CPU accelerator per test class. ILGPU's default CPU device emulates 16 threads per
/// group; launchers are built once per fixture (compiling a kernel takes milliseconds to tens of milliseconds).
/// The default fixture optimises at O2 (the level a release context uses: ILGPU's IR passes run for the CPU
/// accelerator too, so an O2-only miscompilation in them shows here); the wide one at ILGPU's default level.
/// </summary>
public class CpuAcceleratorFixture : IDisposable
{
    private readonly ConcurrentDictionary<Type, object> launchers = new();

    public CpuAcceleratorFixture() : this(null, OptimizationLevel.O2) { }

    protected CpuAcceleratorFixture(CPUDevice? device, OptimizationLevel? level)
    {
        Context = Context.Create(b =>
        {
            if (device is null)
                b.CPU();
            else
                b.CPU(device);
            if (level is { } l)
                b.Optimize(l);
        });
        Accelerator = device is null ? Context.CreateCPUAccelerator(0) : device.CreateCPUAccelerator(Context);
    }

    public Context Context { get; }

    public Accelerator Accelerator { get; }

    /// <summary>The launcher of type T for this accelerator, built on first use.</summary>
    public T Get<T>(Func<Accelerator, T> create) where T : class =>
        (T)launchers.GetOrAdd(typeof(T), _ => create(Accelerator));

    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A CPU accelerator that allows 256 threads per group (8 warps of 32), for the large pointwise tile;
/// ILGPU's default optimisation level.</summary>
public sealed class WideCpuAcceleratorFixture() : CpuAcceleratorFixture(new CPUDevice(32, 8, 1), null);

/// <summary>Random data, device round trips and comparisons.</summary>
internal static class KernelTest
{
    /// <summary>Value every output buffer starts with; elements a kernel must not write keep it.</summary>
    public const float Sentinel = -7777.25f;

    /// <summary>Extra elements after every output view: a kernel writing past its view would overwrite them.</summary>
    public const int Guard = 23;

    public const float RelTol = 1e-5f;
    public const float AbsTol = 1e-5f;

    public static float[] Random(Random rng, long length, float scale = 1f)
    {
        var a = new float[length];
        for (long i = 0; i < length; i++)
            a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    /// <summary>Output buffers: the expected array and the device buffer, both filled with the sentinel, with a guard tail.</summary>
    public static float[] SentinelArray(long length)
    {
        var a = new float[length + Guard];
        Array.Fill(a, Sentinel);
        return a;
    }

    /// <summary>The activation of random case <paramref name="seed"/>: cycles through every kind, and (unlike
    /// seed % 5) does not always pair a kind with the same <see cref="RandomInputMap"/> kind.</summary>
    public static Activation ActivationFor(int seed) => (Activation)((seed + seed / 5) % ActivationExtensions.Count);

    public static T Pick<T>(Random rng, params T[] values) => values[rng.Next(values.Length)];

    /// <summary>Runs <paramref name="launch"/> with device copies of the inputs and a sentinel-filled output
    /// buffer of <paramref name="outputLength"/> elements plus a guard tail, passed whole (a write past the
    /// logical output lands in the guard and fails the comparison instead of tripping ILGPU's debug bounds
    /// assertion, which would abort the test host); returns the whole output buffer.</summary>
    public static float[] Run(Accelerator accelerator, long outputLength, float[][] inputs,
        Action<ArrayView<float>[], ArrayView<float>> launch)
    {
        var buffers = new MemoryBuffer1D<float, Stride1D.Dense>[inputs.Length];
        try
        {
            var views = new ArrayView<float>[inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
            {
                // Zero-length inputs stay empty views (e.g. an absent bias).
                if (inputs[i].Length == 0)
                {
                    views[i] = ArrayView<float>.Empty;
                    continue;
                }
                buffers[i] = accelerator.Allocate1D(inputs[i]);
                views[i] = buffers[i].View;
            }
            using var output = accelerator.Allocate1D(SentinelArray(outputLength));
            launch(views, output.View);
            accelerator.Synchronize();
            return output.GetAsArray1D();
        }
        finally
        {
            foreach (var b in buffers)
                b?.Dispose();
        }
    }

    /// <summary>
    /// Compares the whole output buffers (slice, untouched channels and guard tail). <paramref name="describe"/>
    /// turns a flat index into coordinates for the message.
    /// </summary>
    public static void Close(float[] expected, float[] actual, string what, Func<int, string> describe,
        float relTol = RelTol, float absTol = AbsTol)
    {
        Assert.Equal(expected.Length, actual.Length);
        int bad = 0, first = -1;
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            bool ok = e == Sentinel || a == Sentinel
                ? e == a
                : (float.IsNaN(e) && float.IsNaN(a)) || Math.Abs(e - a) <= relTol * Math.Abs(e) + absTol;
            if (!ok)
            {
                bad++;
                if (first < 0)
                    first = i;
                if (e != Sentinel && a != Sentinel)
                    worst = Math.Max(worst, Math.Abs(e - a));
            }
        }
        if (bad == 0)
            return;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{what}: {bad} of {expected.Length} elements differ; first at index {first} ");
        sb.Append(first < expected.Length - Guard ? describe(first) : $"(guard tail +{first - (expected.Length - Guard)})");
        sb.Append(CultureInfo.InvariantCulture, $": expected {Show(expected[first])}, got {Show(actual[first])}; worst numeric difference {worst:G6}.");
        Assert.Fail(sb.ToString());
    }

    private static string Show(float v) => v == Sentinel ? "sentinel (untouched)" : v.ToString("G9", CultureInfo.InvariantCulture);

    /// <summary>Checks that only channels [offset, offset + channels) of an NCHW buffer were written (guard included).</summary>
    public static void OnlySliceWritten(float[] buffer, int n, int totalChannels, int offset, int channels, int hw, string what)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            bool inside = i < n * totalChannels * hw && (i / hw % totalChannels) - offset is var c && c >= 0 && c < channels;
            if (inside && buffer[i] == Sentinel)
                Assert.Fail($"{what}: element {i} {Nchw(i, totalChannels, hw, 1)} inside the slice was not written.");
            if (!inside && buffer[i] != Sentinel)
                Assert.Fail($"{what}: element {i} {Nchw(i, totalChannels, hw, 1)} outside the slice was written.");
        }
    }

    /// <summary>"(n, c, y, x)" of a flat NCHW index.</summary>
    public static string Nchw(int index, int totalChannels, int hw, int w)
    {
        int s = index % hw, t = index / hw;
        return $"(n={t / totalChannels}, c={t % totalChannels}, y={s / w}, x={s % w})";
    }

    /// <summary>A random input channel map for <paramref name="channels"/> logical channels, with the
    /// total channel count of the buffer it reads.</summary>
    public static (ChannelMap Map, int Total) RandomInputMap(Random rng, int channels, int kind)
    {
        switch (kind % 5)
        {
            case 0:
                return (ChannelMap.Identity, channels);
            case 1:
            {
                int offset = rng.Next(0, 5);
                return (ChannelMap.Slice(offset), offset + channels + rng.Next(0, 3));
            }
            case 2:
                return (ChannelMap.SplitEven, 2 * channels);
            case 3:
                return (ChannelMap.SplitOdd, 2 * channels);
            default:
            {
                // Group shuffle needs channels = groups * n with groups > 1; fall back to a strided slice.
                int[] divisors = Enumerable.Range(2, Math.Max(0, channels - 1)).Where(g => channels % g == 0 && g < channels).ToArray();
                if (divisors.Length > 0)
                {
                    int g = divisors[rng.Next(divisors.Length)];
                    if (rng.Next(2) == 0)
                        return (ChannelMap.GroupShuffle(g, channels), channels);
                    // A shuffle combined with an offset and a stride (a shuffled odd half of a larger tensor).
                    return (new ChannelMap(1, 2, g, channels / g), 2 * channels + rng.Next(0, 2));
                }
                return (new ChannelMap(1, 3), 1 + 3 * channels);
            }
        }
    }

    /// <summary>A random output slice: (total channels, offset) around <paramref name="channels"/>.</summary>
    public static (int Total, int Offset) RandomOutputSlice(Random rng, int channels)
    {
        if (rng.Next(3) == 0)
            return (channels, 0);
        int before = rng.Next(0, 4), after = rng.Next(0, 4);
        return (before + channels + after, before);
    }
}
