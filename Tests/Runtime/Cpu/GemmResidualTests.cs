using System.Runtime.Intrinsics;
using ShuffleNetGpu.Kernels;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Runtime.Cpu;

namespace ShuffleNetGpu.Tests.Runtime.Cpu;

/// <summary>
/// The matrix product with a fused residual (<c>C = act((W B + bias) + R)</c>, added in the micro-tile's epilogue)
/// against the product followed by the separate add, bit for bit, on every path: tiles within an image, tiles that
/// cross images, sliver columns, masked last tiles, K over one block (partial sums through C), row counts that are not
/// a multiple of the tile, residual rows in shuffled order, and each column range a chunk could get.
/// </summary>
public unsafe class GemmResidualTests
{
    public static TheoryData<CpuPath> Paths => CpuOpHarness.PathData();

    [Theory]
    [MemberData(nameof(Paths))]
    public void TheFusedResidualGivesTheBitsOfTheSeparateAdd(CpuPath path)
    {
        var rng = new Random(31);
        // (M, K, images, columns per image, first and last column computed)
        var cases = new (int M, int K, int N, int Hw, int C0, int C1)[]
        {
            (20, 20, 2, 784, 0, 1568), (40, 40, 3, 196, 0, 588), (80, 80, 8, 49, 0, 392), (13, 150, 2, 49, 7, 97),
            (8, 7, 1, 50, 0, 50), (9, 300, 3, 17, 5, 51), (33, 64, 2, 1, 0, 2), (4, 1, 2, 26, 0, 52), (24, 24, 2, 49, 48, 50),
        };
        foreach (var (m, k, n, hw, c0, c1) in cases)
            foreach (var act in new[] { Activation.Relu, Activation.None, Activation.HardSwish })
            {
                var w = CpuOpHarness.Random(rng, (long)m * k, 1f / MathF.Sqrt(k));
                var bias = CpuOpHarness.Random(rng, m, 1f);
                var input = CpuOpHarness.Random(rng, (long)n * k * hw, 2f);
                // The residual tensor has more channels than C's rows, read in a shuffled order.
                int rc = m + 3;
                var residual = CpuOpHarness.Random(rng, (long)n * rc * hw, 2f);
                var rows = Enumerable.Range(0, rc).OrderBy(_ => rng.Next()).Take(m).ToArray();
                var fused = Product(path, w, bias, input, residual, rows, m, k, n, hw, rc, c0, c1, act, fuse: true);
                var separate = Product(path, w, bias, input, residual, rows, m, k, n, hw, rc, c0, c1, act, fuse: false);
                CpuOpHarness.AssertSameBits(fused, separate, $"{path} M{m} K{k} {n}x{hw} [{c0}, {c1}) {act}", "fused", "separate");
                // Columns outside [c0, c1) are untouched.
                for (int j = 0; j < n * hw; j++)
                    if (j < c0 || j >= c1)
                        Assert.Equal(CpuOpHarness.Sentinel, fused[(j / hw) * m * hw + j % hw]);
            }
    }

    static float[] Product(CpuPath path, float[] w, float[] bias, float[] input, float[] residual, int[] residualRows,
        int m, int k, int n, int hw, int rc, int c0, int c1, Activation act, bool fuse)
    {
        using var packed = new NativeBuffer(Gemm.PackedLength(m, k));
        Gemm.PackWeights(w, k, m, k, packed.Pointer);
        using var bRows = new NativeBuffer((long)k * 2);
        for (int i = 0; i < k; i++) ((nint*)bRows.Pointer)[i] = (nint)i * hw;
        using var rRows = new NativeBuffer((long)m * 2);
        for (int i = 0; i < m; i++) ((nint*)rRows.Pointer)[i] = (nint)residualRows[i] * hw;
        using var scratch = new NativeBuffer(Gemm.ScratchFloats);
        var output = CpuOpHarness.Filled((long)n * m * hw);
        fixed (float* x = input, r = residual, y = output, bp = bias)
        {
            var b = new GemmB { Base = x, ImageStride = (nint)k * hw, RowOffsets = (nint*)bRows.Pointer, Columns = hw, RowLength = hw, RowPitch = hw };
            var c = new GemmC { Base = y, ImageStride = (nint)m * hw, RowStride = hw, Columns = hw };
            var res = new GemmResidual { Base = r, ImageStride = (nint)rc * hw, RowOffsets = (nint*)rRows.Pointer };
            // Two chunks of the rows, as a split op would run them.
            int split = m > 8 ? m / 8 * 4 : m;
            foreach (var (r0, r1) in new[] { (0, split), (split, m) })
            {
                if (r0 >= r1) continue;
                if (fuse) Run(path, packed.Pointer, k, bp, b, c, res, r0, r1, c0, c1, act, scratch.Pointer);
                else
                {
                    Run(path, packed.Pointer, k, bp, b, c, default, r0, r1, c0, c1, Activation.None, scratch.Pointer);
                    for (int j = c0; j < c1; j++)
                        for (int row = r0; row < r1; row++)
                        {
                            int img = j / hw, p = j % hw;
                            float* o = y + (long)img * m * hw + row * hw + p;
                            *o = Act.Scalar(*o + r[(long)img * rc * hw + residualRows[row] * hw + p], act);
                        }
                }
            }
        }
        return output;
    }

    static void Run(CpuPath path, float* w, int k, float* bias, in GemmB b, in GemmC c, in GemmResidual r, int m0, int m1, int c0, int c1, Activation act, float* scratch)
    {
        switch (path)
        {
            case CpuPath.Vector512: Gemm.Run<Simd512, Vector512<float>>(w, k, bias, b, c, r, m0, m1, c0, c1, act, scratch); break;
            case CpuPath.Vector256: Gemm.Run<Simd256, Vector256<float>>(w, k, bias, b, c, r, m0, m1, c0, c1, act, scratch); break;
            default: Gemm.Run<SimdScalar, float>(w, k, bias, b, c, r, m0, m1, c0, c1, act, scratch); break;
        }
    }
}
