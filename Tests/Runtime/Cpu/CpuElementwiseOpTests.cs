using ShuffleNetGpu.Kernels.Common;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Cpu;
using static ShuffleNetGpu.Tests.Runtime.Cpu.CpuOpHarness;

namespace ShuffleNetGpu.Tests.Runtime.Cpu;

/// <summary>Pools, linear, SE scale, add and copy on the CPU engine against the kernels' scalar references, every path.</summary>
public class CpuElementwiseOpTests
{
    public static TheoryData<CpuPath> Paths => PathData();

    static readonly (int C, int H, int W)[] Maps = [(3, 7, 7), (5, 14, 14), (2, 28, 28), (4, 13, 9), (3, 1, 1), (2, 2, 3), (2, 56, 33), (3, 112, 17)];

    [Theory]
    [MemberData(nameof(Paths))]
    public void PoolsMatchTheReference(CpuPath path)
    {
        var rng = new Random(21);
        int i = 0;
        foreach (var (c, h, w) in Maps)
            foreach (var kind in new[] { PoolKind.Max3x3S2, PoolKind.Avg3x3S2 })
            {
                var (name, view, source) = Views(c, 1).ElementAt(i++ % 4);
                int n = 1 + i % 2, ho = (h - 1) / 2 + 1, wo = (w - 1) / 2 + 1, total = c + 2, offset = 1;
                var tensors = new[] { new TensorInfo(0, source, h, w), new TensorInfo(1, total, ho, wo) };
                var op = new PoolOp(kind, new TensorRead(0, view), new TensorWrite(1, offset), c);
                var input = CpuOpHarness.Random(rng, (long)n * source * h * w, 5f);
                if (kind == PoolKind.Max3x3S2) input[rng.Next(input.Length)] = float.NaN;   // NaN in a window gives NaN
                var expected = Filled((long)n * total * ho * wo);
                var p = PoolParams.Create(n, c, h, w, Map(view), source, total, offset);
                if (kind == PoolKind.Max3x3S2) MaxPool3x3s2.Reference(input, expected, p);
                else AvgPool3x3s2.Reference(input, expected, p);
                var actual = Filled(expected.Length);
                Run(op, tensors, new Dictionary<string, float[]>(), [input, actual], n, path, 1 + 2 * (i % 2));
                AssertSliceClose(actual, expected, n, total, offset, c, ho * wo, 1e-6, $"{path} {kind} {c}x{h}x{w} {name}");
            }
    }

    /// <summary>The in-place and padded-plane pool kernels give the same bits (the engine picks by the cost of masked
    /// loads), with NaN, infinities and signed zeros in the maps: first maximum wins, NaN in a window gives NaN, the
    /// average's padding adds nothing.</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void PoolKernelsGiveTheSameBits(CpuPath path)
    {
        var rng = new Random(23);
        var special = new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f };
        // Windows whose maximum is a tie of -0 and +0, sums of infinities.
        var tied = new[] { -0f, 0f, -1f, float.NegativeInfinity };
        int i = 0, nans = 0;
        foreach (var (c, h, w) in Maps.Append((9, 56, 56)).Append((2, 57, 61)).Append((2, 5, 40)))
            foreach (var kind in new[] { PoolKind.Max3x3S2, PoolKind.Avg3x3S2 })
                foreach (bool ties in new[] { false, true })
                {
                    var (name, view, source) = Views(c, 1).ElementAt(i % 4);
                    int n = 1 + i % 2, threads = 1 + 2 * (i++ % 2), ho = (h - 1) / 2 + 1, wo = (w - 1) / 2 + 1, total = c + 2;
                    var tensors = new[] { new TensorInfo(0, source, h, w), new TensorInfo(1, total, ho, wo) };
                    var op = new PoolOp(kind, new TensorRead(0, view), new TensorWrite(1, 1), c);
                    var input = CpuOpHarness.Random(rng, (long)n * source * h * w, 5f);
                    for (int s = 0; s < input.Length / 40 + 1; s++) input[rng.Next(input.Length)] = special[rng.Next(special.Length)];
                    if (ties)
                        for (int j = 0; j < input.Length; j++) input[j] = rng.Next(50) == 0 ? float.NaN : tied[rng.Next(tied.Length)];
                    float[] Run(bool padded)
                    {
                        using var pool = new CpuPool3x3(op, tensors, path, paddedPlanes: padded);
                        var output = Filled((long)n * total * ho * wo);
                        CpuOpHarness.Run(pool, [input, output], n, threads);
                        return output;
                    }
                    var inPlace = Run(false);
                    var onPlanes = Run(true);
                    AssertSameBits(inPlace, onPlanes, $"{path} {kind} {c}x{h}x{w} {name} ties {ties} n{n} t{threads}", "in place", "on planes");
                    nans += inPlace.Count(float.IsNaN);
                    Assert.DoesNotContain(inPlace.Where((v, j) => j % (total * ho * wo) >= ho * wo && j % (total * ho * wo) < (c + 1) * ho * wo), v => v == Sentinel);
                }
        Assert.True(nans > 100, $"only {nans} NaN outputs: the special values did not reach the windows");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void GlobalAveragePoolMatchesTheReference(CpuPath path)
    {
        var rng = new Random(22);
        int i = 0;
        foreach (var (c, h, w) in Maps)
        {
            var (name, view, source) = Views(c, 1).ElementAt(i++ % 4);
            int n = 1 + i % 3, total = c + 3, offset = 2;
            var tensors = new[] { new TensorInfo(0, source, h, w), new TensorInfo(1, total, 1, 1) };
            var op = new PoolOp(PoolKind.GlobalAverage, new TensorRead(0, view), new TensorWrite(1, offset), c);
            var input = CpuOpHarness.Random(rng, (long)n * source * h * w, 5f);
            var dense = new float[n * c];
            GlobalAvgPool.Reference(input, dense, GlobalAvgPoolParams.Create(n, c, h, w, Map(view), source));
            var expected = Filled((long)n * total);
            for (int img = 0; img < n; img++)
                for (int ch = 0; ch < c; ch++) expected[img * total + offset + ch] = dense[img * c + ch];
            var actual = Filled(expected.Length);
            Run(op, tensors, new Dictionary<string, float[]>(), [input, actual], n, path, 1 + i % 2);
            AssertSliceClose(actual, expected, n, total, offset, c, 1, 1e-6, $"{path} global pool {c}x{h}x{w} {name}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void LinearMatchesTheReference(CpuPath path)
    {
        var rng = new Random(23);
        int i = 0;
        foreach (var (inF, outF, n) in new[] { (1024, 1000, 1), (464, 10, 5), (7, 3, 2), (33, 17, 4), (16, 16, 9), (100, 25, 3) })
            foreach (bool bias in new[] { true, false })
            {
                var act = (Activation)(i++ % 5);
                var view = i % 3 == 0 ? ChannelView.SplitOdd : ChannelView.Identity;
                int source = view.IsIdentity ? inF : 2 * inF + 1;
                var tensors = new[] { new TensorInfo(0, source, 1, 1), new TensorInfo(1, outF, 1, 1) };
                var op = new LinearOp("l", bias, new TensorRead(0, view), 1, inF, outF, act);
                var x = CpuOpHarness.Random(rng, (long)n * source);
                var w = CpuOpHarness.Random(rng, (long)outF * inF, 1f / MathF.Sqrt(inF));
                var b = bias ? CpuOpHarness.Random(rng, outF) : [];
                var dense = new float[n * inF];
                for (int img = 0; img < n; img++)
                    for (int f = 0; f < inF; f++) dense[img * inF + f] = x[img * source + view.Source(f)];
                var expected = new float[n * outF];
                Linear.Reference(dense, w, b, expected, n, inF, outF, Kind(act));
                var weights = new Dictionary<string, float[]> { ["l.weight"] = w };
                if (bias) weights["l.bias"] = b;
                var actual = Filled(expected.Length);
                Run(op, tensors, weights, [x, actual], n, path, 1 + 2 * (i % 2));
                AssertSliceClose(actual, expected, n, outF, 0, outF, 1, 1e-5, $"{path} linear {inF}->{outF} n{n} bias {bias} {act}");
            }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ScaleAddAndCopyMatchTheReferences(CpuPath path)
    {
        var rng = new Random(24);
        int i = 0;
        foreach (var (c, h, w) in Maps)
        {
            var act = (Activation)(i % 5);
            var (xName, xView, xSource) = Views(c, 1).ElementAt(i % 4);
            var (rName, rView, rSource) = Views(c, 1).ElementAt((i + 1) % 4);
            int n = 1 + i % 3, hw = h * w, total = c + 3, offset = 1, threads = 1 + 2 * (i % 2);
            i++;
            var x = CpuOpHarness.Random(rng, (long)n * xSource * hw, 4f);
            var r = CpuOpHarness.Random(rng, (long)n * rSource * hw, 4f);
            var gate = CpuOpHarness.Random(rng, (long)n * c, 1f);
            var tensors = new[] { new TensorInfo(0, xSource, h, w), new TensorInfo(1, c, 1, 1), new TensorInfo(2, rSource, h, w), new TensorInfo(3, total, h, w) };

            foreach (bool residual in new[] { false, true })
            {
                var op = new ScaleOp(new TensorRead(0, xView), 1, residual ? new TensorRead(2, rView) : null, new TensorWrite(3, offset), c, act);
                var expected = Filled((long)n * total * hw);
                ScaleChannels.Reference(x, gate, residual ? r : [], expected,
                    ScaleChannelsParams.Create(n, c, h, w, Map(xView), xSource, residual, Map(rView), rSource, total, offset), Kind(act));
                var actual = Filled(expected.Length);
                Run(op, tensors, new Dictionary<string, float[]>(), [x, gate, r, actual], n, path, threads);
                AssertSliceClose(actual, expected, n, total, offset, c, hw, 1e-6, $"{path} scale {c}x{h}x{w} x {xName} r {rName} {residual} {act}");
            }
            {
                var op = new AddOp(new TensorRead(0, xView), new TensorRead(2, rView), new TensorWrite(3, offset), c, act);
                var expected = Filled((long)n * total * hw);
                AddActivation.Reference(x, r, expected, AddActivationParams.Create(n, c, h, w, Map(xView), xSource, Map(rView), rSource, total, offset), Kind(act));
                var actual = Filled(expected.Length);
                Run(op, tensors, new Dictionary<string, float[]>(), [x, gate, r, actual], n, path, threads);
                AssertSliceClose(actual, expected, n, total, offset, c, hw, 1e-6, $"{path} add {c}x{h}x{w} {act}");
            }
            {
                var op = new CopyOp(new TensorRead(0, xView), new TensorWrite(3, offset), c, act);
                var expected = Filled((long)n * total * hw);
                CopyChannels.Reference(x, expected, CopyChannelsParams.Create(n, c, h, w, Map(xView), xSource, total, offset), Kind(act));
                var actual = Filled(expected.Length);
                Run(op, tensors, new Dictionary<string, float[]>(), [x, gate, r, actual], n, path, threads);
                AssertSliceClose(actual, expected, n, total, offset, c, hw, 1e-6, $"{path} copy {c}x{h}x{w} {xName} {act}");
            }
        }
    }

    /// <summary>The vector activations are the scalar formulas, lane for lane, on every path (including NaN, infinities,
    /// -0 and the clamp corners).</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public unsafe void ActivationsAreTheScalarFormulaOnEveryLane(CpuPath path)
    {
        float[] special = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, -3f, 3f, -3.0000002f, 2.9999998f, 6f, 88.8f, -88.8f, 1e-40f];
        var values = special.Concat(CpuOpHarness.Random(new Random(25), 300, 8f)).ToArray();
        foreach (var kind in ActivationExtensions.All)
        {
            var data = values.ToArray();
            fixed (float* p = data)
            {
                switch (path)
                {
                    case CpuPath.Vector512: Act.InPlace<Simd512, System.Runtime.Intrinsics.Vector512<float>>(p, data.Length, kind); break;
                    case CpuPath.Vector256: Act.InPlace<Simd256, System.Runtime.Intrinsics.Vector256<float>>(p, data.Length, kind); break;
                    default: Act.InPlace<SimdScalar, float>(p, data.Length, kind); break;
                }
            }
            for (int i = 0; i < values.Length; i++)
            {
                float scalar = Act.Scalar(values[i], kind);
                Assert.True(BitConverter.SingleToInt32Bits(scalar) == BitConverter.SingleToInt32Bits(data[i]) || (float.IsNaN(scalar) && float.IsNaN(data[i])),
                    $"{path} {kind}({values[i]:R}) = {data[i]:R}, scalar {scalar:R}");
                // Within one rounding of the kernels' formulas (which divide by 6 where the engine multiplies by 1/6).
                float kernel = kind.Apply(values[i]);
                Assert.True(float.IsNaN(kernel) ? float.IsNaN(scalar) : scalar == kernel || Math.Abs(scalar - kernel) <= 2e-7f * Math.Max(1f, Math.Abs(kernel)),
                    $"{kind}({values[i]:R}): engine {scalar:R}, kernels {kernel:R}");
            }
        }
    }
}
