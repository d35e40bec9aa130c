using ShuffleNetGpu.Kernels.Common;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ShuffleNetGpu.Kernels;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Cpu;

/// <summary>
/// The vector operations the CPU ops are written against, once, for every path: each op is a generic method over
/// <c>TS : ISimd&lt;TV&gt;</c> (a struct, so the JIT specialises and inlines it), instantiated for
/// <see cref="Simd512"/>, <see cref="Simd256"/> and <see cref="SimdScalar"/>.
/// Every element-wise formula (fused multiply-add, bias, activations) gives the same bits on every path; only
/// reductions across lanes (<see cref="Sum"/>) differ in order.
/// </summary>
internal unsafe interface ISimd<TV> where TV : unmanaged
{
    /// <summary>Floats per vector.</summary>
    static abstract int Width { get; }
    /// <summary>Rows of the GEMM micro-tile (output channels; a multiple of 4).</summary>
    static abstract int TileRows { get; }
    /// <summary>Vectors of the GEMM micro-tile along the pixels.</summary>
    static abstract int TileVectors { get; }
    static abstract TV Zero { get; }
    static abstract TV Splat(float x);
    static abstract TV Load(float* p);
    static abstract void Store(float* p, TV v);
    /// <summary>A mask of the first <paramref name="count"/> lanes (0..Width).</summary>
    static abstract TV Mask(int count);
    /// <summary>Loads the masked lanes (others 0) without touching memory past them.</summary>
    static abstract TV LoadMasked(float* p, TV mask);
    /// <summary>Loads the masked lanes, <paramref name="fill"/> in the others, without touching memory past them.</summary>
    static abstract TV LoadMaskedOr(float* p, TV mask, TV fill);
    /// <summary>
    /// The <paramref name="lanes"/> floats before <paramref name="end"/> (1..Width) in lanes [0, lanes), the other lanes
    /// unspecified (store them masked off or drop them), touching only [end - Width, end): at least a vector before
    /// <paramref name="end"/> must be readable. A row's tail without a masked load (<c>vmaskmovps</c> costs about nine
    /// plain loads on AMD Zen 1, <see cref="MaskedLoadCost"/>).
    /// </summary>
    static abstract TV LoadEnding(float* end, int lanes);
    static abstract void StoreMasked(float* p, TV v, TV mask);
    /// <summary><see cref="StoreMasked"/> as the instruction's own masked store: a few bytes of code, for the GEMM
    /// micro-kernel's epilogue (a larger inlined store pushed the kernel past the JIT's inlining budget).</summary>
    static abstract void StoreMaskedCompact(float* p, TV v, TV mask);
    /// <summary><c>a * b + c</c>, rounded once.</summary>
    static abstract TV Fma(TV a, TV b, TV c);
    static abstract TV Add(TV a, TV b);
    static abstract TV Mul(TV a, TV b);
    static abstract TV Div(TV a, TV b);
    /// <summary>The even lanes of the 2W floats (lo, hi) in <paramref name="even"/>, the odd ones in <paramref name="odd"/>.</summary>
    static abstract void Deinterleave(TV lo, TV hi, out TV even, out TV odd);
    /// <summary>Per lane <c>a &gt; b ? a : b</c> (so a NaN in either gives <paramref name="b"/>), as x86 <c>maxps</c>.</summary>
    static abstract TV MaxOrSecond(TV a, TV b);
    /// <summary>Per lane <c>a &lt; b ? a : b</c> (so a NaN in either gives <paramref name="b"/>), as x86 <c>minps</c>.</summary>
    static abstract TV MinOrSecond(TV a, TV b);
    /// <summary>All-ones lanes where <paramref name="a"/> is NaN.</summary>
    static abstract TV IsNaN(TV a);
    static abstract TV Or(TV a, TV b);
    /// <summary>Per lane <c>mask ? a : b</c>.</summary>
    static abstract TV Select(TV mask, TV a, TV b);
    /// <summary>The sum of the lanes.</summary>
    static abstract float Sum(TV v);
    /// <summary>Lane <paramref name="i"/>.</summary>
    static abstract float Get(TV v, int i);
    static abstract TV With(TV v, int i, float x);
}

/// <summary>AVX-512F, 16 floats.</summary>
internal readonly unsafe struct Simd512 : ISimd<Vector512<float>>
{
    public static int Width => 16;
    public static int TileRows => 8;
    public static int TileVectors => 3;
    public static Vector512<float> Zero { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector512<float>.Zero; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Splat(float x) => Vector512.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector512<float> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Mask(int count) =>
        Vector512.LessThan(Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create((float)count));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadMasked(float* p, Vector512<float> mask) => Avx512F.MaskLoad(p, mask, Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadMaskedOr(float* p, Vector512<float> mask, Vector512<float> fill) => Avx512F.MaskLoad(p, mask, fill);
    /// <summary>An opmask load: as cheap as a plain one on every AVX-512 processor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadEnding(float* end, int lanes) => LoadMasked(end - lanes, Mask(lanes));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMasked(float* p, Vector512<float> v, Vector512<float> mask) => Avx512F.MaskStore(p, mask, v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMaskedCompact(float* p, Vector512<float> v, Vector512<float> mask) => Avx512F.MaskStore(p, mask, v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Mul(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Div(Vector512<float> a, Vector512<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deinterleave(Vector512<float> lo, Vector512<float> hi, out Vector512<float> even, out Vector512<float> odd)
    {
        even = Avx512F.PermuteVar16x32x2(lo, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), hi);
        odd = Avx512F.PermuteVar16x32x2(lo, Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), hi);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MaxOrSecond(Vector512<float> a, Vector512<float> b) => Avx512F.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MinOrSecond(Vector512<float> a, Vector512<float> b) => Avx512F.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> IsNaN(Vector512<float> a) => ~Vector512.Equals(a, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Or(Vector512<float> a, Vector512<float> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Select(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> v) => Vector512.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Get(Vector512<float> v, int i) => v.GetElement(i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> With(Vector512<float> v, int i, float x) => v.WithElement(i, x);
}

/// <summary>AVX2 + FMA, 8 floats.</summary>
internal readonly unsafe struct Simd256 : ISimd<Vector256<float>>
{
    public static int Width => 8;
    public static int TileRows => 4;
    public static int TileVectors => 3;
    public static Vector256<float> Zero { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector256<float>.Zero; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector256<float> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mask(int count) =>
        Vector256.LessThan(Vector256.Create(0f, 1, 2, 3, 4, 5, 6, 7), Vector256.Create((float)count));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LoadMasked(float* p, Vector256<float> mask) => Avx.MaskLoad(p, mask);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadMaskedOr(float* p, Vector256<float> mask, Vector256<float> fill) => Vector256.ConditionalSelect(mask, Avx.MaskLoad(p, mask), fill);
    /// <summary>The vector ending at <paramref name="end"/>, its last <paramref name="lanes"/> lanes moved down to lane 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadEnding(float* end, int lanes) =>
        Avx2.PermuteVar8x32(Vector256.Load(end - 8), Vector256.Min(Vector256.Create(8 - lanes) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(7)));
    /// <summary>
    /// Stores the masked lanes, which are one run [lo, lo + count) (every mask of the engine is): the run moved down to
    /// lane 0, then plain stores of 4, 2 and 1 floats. <c>vmaskmovps</c> to memory costs ~18 micro-ops and a dozen
    /// cycles on AMD Zen 2/3 (one plain store on Intel), which made tails the bulk of a small map's cost there; an
    /// empty or full mask takes no store or one. A mask of several runs falls back to <c>vmaskmovps</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMasked(float* p, Vector256<float> v, Vector256<float> mask)
    {
        uint bits = (uint)Avx.MoveMask(mask);
        if (bits == 0xFF)
        {
            v.Store(p);
            return;
        }
        if (bits == 0) return;
        int lo = BitOperations.TrailingZeroCount(bits);
        uint run = bits >> lo;
        if ((run & (run + 1)) != 0)
        {
            Avx.MaskStore(p, mask, v);
            return;
        }
        if (lo != 0) v = Avx2.PermuteVar8x32(v, Vector256.Create(lo) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7));
        StoreFirst(p + lo, v, BitOperations.PopCount(run));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMaskedCompact(float* p, Vector256<float> v, Vector256<float> mask) => Avx.MaskStore(p, mask, v);

    /// <summary>Lanes [0, <paramref name="count"/>) of <paramref name="v"/> (count 1..7) to <paramref name="p"/>, nothing else.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreFirst(float* p, Vector256<float> v, int count)
    {
        var part = v.GetLower();
        if (count >= 4)
        {
            part.Store(p);
            part = v.GetUpper();
            p += 4;
            count -= 4;
        }
        if (count >= 2)
        {
            Sse.StoreLow(p, part);
            part = Sse.MoveHighToLow(part, part);
            p += 2;
            count -= 2;
        }
        if (count != 0) Sse.StoreScalar(p, part);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Mul(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Div(Vector256<float> a, Vector256<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deinterleave(Vector256<float> lo, Vector256<float> hi, out Vector256<float> even, out Vector256<float> odd)
    {
        // shufps picks (lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6); the 64-bit permute puts the halves in order.
        even = Avx2.Permute4x64(Avx.Shuffle(lo, hi, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
        odd = Avx2.Permute4x64(Avx.Shuffle(lo, hi, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MaxOrSecond(Vector256<float> a, Vector256<float> b) => Avx.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MinOrSecond(Vector256<float> a, Vector256<float> b) => Avx.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> IsNaN(Vector256<float> a) => ~Vector256.Equals(a, a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Or(Vector256<float> a, Vector256<float> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> v) => Vector256.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Get(Vector256<float> v, int i) => v.GetElement(i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> With(Vector256<float> v, int i, float x) => v.WithElement(i, x);
}

/// <summary>One float at a time (the portable path, and the oracle the vector paths must equal element-wise).</summary>
internal readonly unsafe struct SimdScalar : ISimd<float>
{
    public static int Width => 1;
    public static int TileRows => 4;
    public static int TileVectors => 4;
    public static float Zero => 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Splat(float x) => x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load(float* p) => *p;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, float v) => *p = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Mask(int count) => count > 0 ? BitConverter.Int32BitsToSingle(-1) : 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadMasked(float* p, float mask) => BitConverter.SingleToInt32Bits(mask) != 0 ? *p : 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadMaskedOr(float* p, float mask, float fill) => BitConverter.SingleToInt32Bits(mask) != 0 ? *p : fill;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float LoadEnding(float* end, int lanes) => end[-1];
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMaskedCompact(float* p, float v, float mask) => StoreMasked(p, v, mask);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMasked(float* p, float v, float mask)
    {
        if (BitConverter.SingleToInt32Bits(mask) != 0) *p = v;
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Fma(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Add(float a, float b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Mul(float a, float b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Div(float a, float b) => a / b;
    /// <remarks>Width 1: the pair (lo, hi) is one even and one odd element.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deinterleave(float lo, float hi, out float even, out float odd)
    {
        even = lo;
        odd = hi;
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxOrSecond(float a, float b) => a > b ? a : b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MinOrSecond(float a, float b) => a < b ? a : b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float IsNaN(float a) => float.IsNaN(a) ? BitConverter.Int32BitsToSingle(-1) : 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Or(float a, float b) => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(a) | BitConverter.SingleToInt32Bits(b));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Select(float mask, float a, float b) => BitConverter.SingleToInt32Bits(mask) != 0 ? a : b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(float v) => v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Get(float v, int i) => v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float With(float v, int i, float x) => x;
}

/// <summary>
/// The activation epilogues on vectors, element for element the formulas of <see cref="ActivationExtensions.Apply"/>
/// (Kernels/Common/Activation.cs) except that hard-swish and hard-sigmoid multiply by 1/6 instead of dividing by 6
/// (one rounding apart; a division per output cost a third of a small convolution's time). NaN propagates as there:
/// the <c>maxps</c>/<c>minps</c> operand order returns the NaN. Sigmoid runs lane by lane through the scalar formula
/// (<see cref="KernelMath.Exp"/>), so it is exact on every path; it only occurs on SE gates of a few hundred values.
/// </summary>
internal static class Act
{
    public const float Sixth = 1f / 6f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Apply<TS, TV>(TV x, Activation kind) where TS : ISimd<TV> where TV : unmanaged => kind switch
    {
        Activation.None => x,
        Activation.Relu => ActRelu.Apply<TS, TV>(x),
        Activation.HardSwish => ActHardSwish.Apply<TS, TV>(x),
        Activation.HardSigmoid => ActHardSigmoid.Apply<TS, TV>(x),
        _ => SigmoidLanes<TS, TV>(x),
    };

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static TV SigmoidLanes<TS, TV>(TV x) where TS : ISimd<TV> where TV : unmanaged
    {
        for (int i = 0; i < TS.Width; i++) x = TS.With(x, i, Scalar(TS.Get(x, i), Activation.Sigmoid));
        return x;
    }

    /// <summary>The scalar form of <see cref="Apply{TS, TV}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scalar(float x, Activation kind)
    {
        switch (kind)
        {
            case Activation.None: return x;
            case Activation.Relu: return x < 0f ? 0f : x;
            case Activation.HardSwish: return x * Clamp6(x + 3f) * Sixth;
            case Activation.HardSigmoid: return Clamp6(x + 3f) * Sixth;
            default: return 1f / (1f + KernelMath.Exp(-x));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Clamp6(float t)
    {
        t = t < 0f ? 0f : t;
        return t > 6f ? 6f : t;
    }

    /// <summary>Applies <paramref name="kind"/> in place to <paramref name="count"/> floats.</summary>
    public static unsafe void InPlace<TS, TV>(float* p, int count, Activation kind) where TS : ISimd<TV> where TV : unmanaged
    {
        if (kind != Activation.None) Activate<TS, TV>(p, p, count, kind);
    }

    /// <summary><c>o = act(x)</c> over <paramref name="count"/> floats (<paramref name="o"/> may be <paramref name="x"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Activate<TS, TV>(float* x, float* o, int count, Activation kind) where TS : ISimd<TV> where TV : unmanaged
    {
        int i = 0;
        for (; i <= count - TS.Width; i += TS.Width) TS.Store(o + i, Apply<TS, TV>(TS.Load(x + i), kind));
        if (i < count)
        {
            var mask = TS.Mask(count - i);
            TS.StoreMasked(o + i, Apply<TS, TV>(TS.LoadMasked(x + i, mask), kind), mask);
        }
    }

    /// <summary><c>o = act(a + b)</c> over <paramref name="count"/> floats (<paramref name="o"/> may be <paramref name="a"/>):
    /// V1's residual add, alone or fused into the 1x1 convolution before it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void AddActivate<TS, TV>(float* a, float* b, float* o, int count, Activation kind) where TS : ISimd<TV> where TV : unmanaged
    {
        int i = 0;
        for (; i <= count - TS.Width; i += TS.Width) TS.Store(o + i, Apply<TS, TV>(TS.Add(TS.Load(a + i), TS.Load(b + i)), kind));
        if (i < count)
        {
            var mask = TS.Mask(count - i);
            TS.StoreMasked(o + i, Apply<TS, TV>(TS.Add(TS.LoadMasked(a + i, mask), TS.LoadMasked(b + i, mask)), kind), mask);
        }
    }
}

/// <summary>An activation as a type, so that epilogues specialise on it: <see cref="Apply{TS, TV}"/> is exactly that
/// activation's formula (the same as <see cref="Act.Apply{TS, TV}"/>), small enough to inline everywhere.</summary>
internal interface IAct
{
    static abstract Activation Kind { get; }
    static abstract TV Apply<TS, TV>(TV x) where TS : ISimd<TV> where TV : unmanaged;
}

internal readonly struct ActNone : IAct
{
    public static Activation Kind => Activation.None;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Apply<TS, TV>(TV x) where TS : ISimd<TV> where TV : unmanaged => x;
}

internal readonly struct ActRelu : IAct
{
    public static Activation Kind => Activation.Relu;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Apply<TS, TV>(TV x) where TS : ISimd<TV> where TV : unmanaged => TS.MaxOrSecond(TS.Zero, x);
}

internal readonly struct ActHardSwish : IAct
{
    public static Activation Kind => Activation.HardSwish;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Apply<TS, TV>(TV x) where TS : ISimd<TV> where TV : unmanaged =>
        TS.Mul(TS.Mul(x, TS.MinOrSecond(TS.Splat(6f), TS.MaxOrSecond(TS.Zero, TS.Add(x, TS.Splat(3f))))), TS.Splat(Act.Sixth));
}

internal readonly struct ActHardSigmoid : IAct
{
    public static Activation Kind => Activation.HardSigmoid;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Apply<TS, TV>(TV x) where TS : ISimd<TV> where TV : unmanaged =>
        TS.Mul(TS.MinOrSecond(TS.Splat(6f), TS.MaxOrSecond(TS.Zero, TS.Add(x, TS.Splat(3f)))), TS.Splat(Act.Sixth));
}

internal readonly struct ActSigmoid : IAct
{
    public static Activation Kind => Activation.Sigmoid;
    public static TV Apply<TS, TV>(TV x) where TS : ISimd<TV> where TV : unmanaged => Act.SigmoidLanes<TS, TV>(x);
}

/// <summary>Compile-time integers for generic specialisation (the JIT folds <c>T.Value</c> to a constant).</summary>
internal interface IConst
{
    static abstract int Value { get; }
}

internal readonly struct C0 : IConst { public static int Value => 0; }
internal readonly struct C1 : IConst { public static int Value => 1; }
internal readonly struct C2 : IConst { public static int Value => 2; }
internal readonly struct C3 : IConst { public static int Value => 3; }
internal readonly struct C4 : IConst { public static int Value => 4; }
internal readonly struct C5 : IConst { public static int Value => 5; }
internal readonly struct C7 : IConst { public static int Value => 7; }
internal readonly struct C8 : IConst { public static int Value => 8; }
