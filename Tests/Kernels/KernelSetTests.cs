using ShuffleNetGpu.Kernels.Common;
using ILGPU.Runtime;
using ShuffleNetGpu.Kernels;
using Xunit.Abstractions;

using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Tests.Kernels;

public sealed class KernelSetTests(CpuAcceleratorFixture fixture, ITestOutputHelper output) : IClassFixture<CpuAcceleratorFixture>
{
    private KernelSet Set => fixture.Get(a => new KernelSet(a));

    [Fact]
    public void CompilesEverythingUpFront()
    {
        var set = Set;
        output.WriteLine($"KernelSet compile time on {fixture.Accelerator.Name}: {set.CompileTime.TotalMilliseconds:F0} ms");
        Assert.Same(fixture.Accelerator, set.Accelerator);
        Assert.Equal(PointwiseTile.Small, set.Pointwise.Tile);
    }

    [Fact]
    public void LaunchersValidateArguments()
    {
        var set = Set;
        using var buffer = fixture.Accelerator.Allocate1D<float>(4096);
        var v = buffer.View;
        var conv = ConvParams.Create(1, 4, 5, 5, 6, 3);
        // Wrong weight length.
        Assert.Throws<ArgumentException>(() => set.Conv2d.Launch(null, v, v.SubView(0, 10), v.SubView(0, 6), v, conv, Activation.Relu));
        // Output slice past the end of the output tensor.
        var badSlice = conv with { OutTotalChannels = 8, OutChannelOffset = 4 };
        Assert.Throws<ArgumentException>(() => set.Conv2d.Launch(null, v, v.SubView(0, 216), v.SubView(0, 6), v, badSlice, Activation.Relu));
        // Map reading past the input's channels.
        var badMap = conv with { InMap = ChannelMap.SplitOdd, InTotalChannels = 7 };
        Assert.Throws<ArgumentException>(() => set.Conv2d.Launch(null, v, v.SubView(0, 216), v.SubView(0, 6), v, badMap, Activation.Relu));
        // Inconsistent output size.
        var badSize = conv with { Ho = 4 };
        Assert.Throws<ArgumentException>(() => set.Conv2d.Launch(null, v, v.SubView(0, 216), v.SubView(0, 6), v, badSize, Activation.Relu));
        // Groups that do not divide the channels.
        var badGroups = ConvParams.Create(1, 4, 5, 5, 6, 1, groups: 4);
        Assert.Throws<ArgumentException>(() => set.Pointwise.Launch(null, v, v.SubView(0, 6), v.SubView(0, 6), v, badGroups, Activation.None));
        // Output view too short.
        Assert.Throws<ArgumentException>(() => set.CopyChannels.Launch(null, v, v.SubView(0, 10), CopyChannelsParams.Create(1, 3, 2, 2), Activation.None));
        // Undefined activation.
        Assert.Throws<ArgumentOutOfRangeException>(() => set.CopyChannels.Launch(null, v, v, CopyChannelsParams.Create(1, 3, 2, 2), (Activation)7));
        // Linear bias of the wrong length.
        Assert.Throws<ArgumentException>(() => set.Linear.Launch(null, v, v.SubView(0, 12), v.SubView(0, 5), v, 1, 4, 3, Activation.None));
    }

    /// <summary>A launch on an explicit stream, then the default one, in sequence (a tiny V1 stride-1 tail).</summary>
    [Fact]
    public void LaunchesOnAnExplicitStream()
    {
        var set = Set;
        var rng = new Random(42);
        var p = ConvParams.Create(1, 6, 3, 3, 6, 1, groups: 3, inMap: ChannelMap.GroupShuffle(3, 6));
        var input = KernelTest.Random(rng, p.InputBufferLength);
        var weight = KernelTest.Random(rng, p.WeightLength);
        var bias = KernelTest.Random(rng, p.Cout);
        var conv = new float[p.OutputBufferLength];
        PointwiseConv2d.Reference(input, weight, bias, conv, p, Activation.None);
        var expected = new float[conv.Length];
        AddActivation.Reference(conv, input, expected, AddActivationParams.Create(1, 6, 3, 3), Activation.Relu);

        using var stream = fixture.Accelerator.CreateStream();
        using var dIn = fixture.Accelerator.Allocate1D(input);
        using var dW = fixture.Accelerator.Allocate1D(weight);
        using var dB = fixture.Accelerator.Allocate1D(bias);
        using var dConv = fixture.Accelerator.Allocate1D<float>(conv.Length);
        using var dOut = fixture.Accelerator.Allocate1D<float>(conv.Length);
        set.Pointwise.Launch(stream, dIn.View, dW.View, dB.View, dConv.View, p, Activation.None);
        set.AddActivation.Launch(stream, dConv.View, dIn.View, dOut.View, AddActivationParams.Create(1, 6, 3, 3), Activation.Relu);
        stream.Synchronize();
        Assert.Equal(expected, dOut.GetAsArray1D());
    }
}
