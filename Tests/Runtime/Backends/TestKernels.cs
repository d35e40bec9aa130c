using ILGPU;
using ILGPU.Runtime;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Tests.Runtime.Backends;

/// <summary>Small kernels that check a backend really runs code: one trivial, one with static shared memory and
/// barriers (allowed in OpenCL compatibility mode).</summary>
internal static class TestKernels
{
    public const int GroupSize = 16; // ilgpu-cpu allows up to 16 threads per group (BackendDiscovery.CpuDevice)

    private static void AddKernel(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> sum) =>
        sum[i] = a[i] + b[i];

    /// <summary>Per group: a tree reduction of the group's values in static shared memory, then each thread writes
    /// its value reversed within the group plus the group total (needs correct barriers between the steps).</summary>
    private static void GroupSumKernel(ArrayView<int> input, ArrayView<int> reversedPlusTotal, ArrayView<int> groupTotals)
    {
        var values = SharedMemory.Allocate<int>(GroupSize);
        var partial = SharedMemory.Allocate<int>(GroupSize);
        int t = Group.IdxX;
        int g = Grid.GlobalIndex.X;
        values[t] = input[g];
        partial[t] = input[g];
        Group.Barrier();
        for (int stride = GroupSize / 2; stride > 0; stride /= 2)
        {
            if (t < stride)
                partial[t] += partial[t + stride];
            Group.Barrier();
        }
        reversedPlusTotal[g] = values[GroupSize - 1 - t] + partial[0];
        if (t == 0)
            groupTotals[Grid.IdxX] = partial[0];
    }

    public static float[] Add(ComputeDevice device, float[] a, float[] b)
    {
        var accelerator = device.Accelerator;
        var kernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(AddKernel);
        using var da = accelerator.Allocate1D(a);
        using var db = accelerator.Allocate1D(b);
        using var dsum = accelerator.Allocate1D<float>(a.Length);
        kernel((int)da.Length, da.View, db.View, dsum.View);
        accelerator.Synchronize();
        return dsum.GetAsArray1D();
    }

    public static (int[] ReversedPlusTotal, int[] GroupTotals) GroupSum(ComputeDevice device, int[] input)
    {
        if (input.Length % GroupSize != 0)
            throw new ArgumentException("length must be a multiple of GroupSize", nameof(input));
        int groups = input.Length / GroupSize;
        var accelerator = device.Accelerator;
        var kernel = accelerator.LoadStreamKernel<ArrayView<int>, ArrayView<int>, ArrayView<int>>(GroupSumKernel);
        using var din = accelerator.Allocate1D(input);
        using var dout = accelerator.Allocate1D<int>(input.Length);
        using var dtotals = accelerator.Allocate1D<int>(groups);
        kernel(new KernelConfig(groups, GroupSize), din.View, dout.View, dtotals.View);
        accelerator.Synchronize();
        return (dout.GetAsArray1D(), dtotals.GetAsArray1D());
    }

    public static (float[] A, float[] B, float[] Expected) AddInputs(int n)
    {
        var a = new float[n];
        var b = new float[n];
        var expected = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = i * 0.5f - 100f;
            b[i] = (i % 7) * 1.25f;
            expected[i] = a[i] + b[i];
        }
        return (a, b, expected);
    }

    public static (int[] Input, int[] ReversedPlusTotal, int[] GroupTotals) GroupSumInputs(int groups)
    {
        var input = new int[groups * GroupSize];
        for (int i = 0; i < input.Length; i++)
            input[i] = (i * 37 + 11) % 1000 - 500;
        var totals = new int[groups];
        var outExpected = new int[input.Length];
        for (int g = 0; g < groups; g++)
        {
            for (int t = 0; t < GroupSize; t++)
                totals[g] += input[g * GroupSize + t];
            for (int t = 0; t < GroupSize; t++)
                outExpected[g * GroupSize + t] = input[g * GroupSize + GroupSize - 1 - t] + totals[g];
        }
        return (input, outExpected, totals);
    }
}
