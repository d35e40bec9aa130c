using System.Runtime.Intrinsics;
using ShuffleNetGpu.Runtime.Cpu;

namespace ShuffleNetGpu.Tests.Runtime.Cpu;

/// <summary>
/// <see cref="ISimd{TV}.StoreMasked"/> on every path writes exactly the masked lanes, with their values, and nothing
/// around them, for every run of lanes [lo, lo + count) the ops use (tails: lo = 0; grid stores: any run) and for a
/// mask of several runs. The AVX2 path stores runs with plain 4/2/1-float stores instead of <c>vmaskmovps</c>.
/// </summary>
public class SimdMaskedStoreTests
{
    public static TheoryData<CpuPath> Paths => CpuOpHarness.PathData();

    [Theory]
    [MemberData(nameof(Paths))]
    public void StoreMaskedWritesExactlyTheMaskedLanes(CpuPath path)
    {
        switch (path)
        {
            case CpuPath.Vector512: Check<Simd512, Vector512<float>>(); break;
            case CpuPath.Vector256: Check<Simd256, Vector256<float>>(); break;
            default: Check<SimdScalar, float>(); break;
        }
    }

    /// <summary><see cref="ISimd{TV}.LoadEnding"/>: the last <c>lanes</c> floats before the end in lanes [0, lanes), for
    /// every lane count and alignment, reading only the vector before the end (the row tails of the padded planes).</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void LoadEndingGivesTheFloatsBeforeTheEndInTheFirstLanes(CpuPath path)
    {
        switch (path)
        {
            case CpuPath.Vector512: CheckEnding<Simd512, Vector512<float>>(); break;
            case CpuPath.Vector256: CheckEnding<Simd256, Vector256<float>>(); break;
            default: CheckEnding<SimdScalar, float>(); break;
        }
    }

    static unsafe void CheckEnding<TS, TV>() where TS : ISimd<TV> where TV : unmanaged
    {
        int w = TS.Width;
        var data = Enumerable.Range(0, 4 * w).Select(i => 1000f + i).ToArray();
        fixed (float* p = data)
            for (int end = w; end <= 3 * w; end++)
                for (int lanes = 1; lanes <= w; lanes++)
                {
                    var v = TS.LoadEnding(p + end, lanes);
                    for (int l = 0; l < lanes; l++)
                        Assert.Equal(data[end - lanes + l], TS.Get(v, l));
                }
    }

    static unsafe void Check<TS, TV>() where TS : ISimd<TV> where TV : unmanaged
    {
        int w = TS.Width;
        var values = new float[w];
        for (int i = 0; i < w; i++) values[i] = 100 + i;
        var masks = new List<(bool[] Lanes, TV Mask)>();
        for (int lo = 0; lo <= w; lo++)
            for (int count = 0; lo + count <= w; count++)
            {
                // Lanes [lo, lo + count): below lo + count and not below lo.
                var mask = TS.Select(TS.Mask(lo), TS.Zero, TS.Mask(lo + count));
                masks.Add((Enumerable.Range(0, w).Select(i => i >= lo && i < lo + count).ToArray(), mask));
            }
        if (w >= 4)
        {
            // Two runs (lanes 0 and 2..3): not one run, the general store.
            var two = TS.Select(TS.Mask(2), TS.Mask(1), TS.Mask(4));
            masks.Add((Enumerable.Range(0, w).Select(i => i == 0 || i is 2 or 3).ToArray(), two));
        }
        foreach (var (lanes, mask) in masks)
        {
            var buffer = new float[3 * w];
            Array.Fill(buffer, CpuOpHarness.Sentinel);
            fixed (float* v = values)
            fixed (float* b = buffer)
                TS.StoreMasked(b + w, TS.Load(v), mask);
            string which = string.Concat(lanes.Select(l => l ? '1' : '0'));
            for (int i = 0; i < buffer.Length; i++)
            {
                int lane = i - w;
                bool written = lane >= 0 && lane < w && lanes[lane];
                Assert.True(buffer[i] == (written ? values[lane] : CpuOpHarness.Sentinel),
                    $"{typeof(TS).Name}, mask {which}: element {i - w} holds {buffer[i]}");
            }
        }
    }
}
