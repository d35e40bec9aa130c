using ShuffleNetGpu.Kernels.Common;
using System.Diagnostics;
using ILGPU.Runtime;

namespace ShuffleNetGpu.Kernels;

/// <summary>
/// Every launcher for one accelerator: build it once when a network is built, never on the hot path. With
/// <c>prepareAll</c> every op is compiled for every activation up front; without, only the pools are, and the
/// network compiles the activation specialisations its graph uses through each launcher's <c>Prepare</c>. Not disposable: the compiled kernels belong to the accelerator and
/// are released with it. Launchers hold no state besides their compiled kernels; each launch validates its
/// arguments, then enqueues on the stream it is given and returns without synchronising.
/// </summary>
public sealed class KernelSet
{
    /// <summary>Creates the launchers for <paramref name="accelerator"/> and, with <paramref name="prepareAll"/>, compiles everything.</summary>
    /// <param name="accelerator">The accelerator (CUDA, OpenCL or CPU).</param>
    /// <param name="pointwiseTile">Tile of the 1x1 convolution; Auto picks by the accelerator's group size.</param>
    /// <param name="prepareAll">Compile every kernel now; false compiles each on its first launch.</param>
    /// <exception cref="NotSupportedException">The accelerator cannot run the requested pointwise tile.</exception>
    public KernelSet(Accelerator accelerator, PointwiseTile pointwiseTile = PointwiseTile.Auto, bool prepareAll = true)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        var watch = Stopwatch.StartNew();
        Accelerator = accelerator;
        Conv2d = new Conv2d(accelerator);
        Depthwise = new DepthwiseConv2d(accelerator);
        TiledDepthwise = new TiledDepthwiseConv2d(accelerator);
        Pointwise = new PointwiseConv2d(accelerator, pointwiseTile);
        BlockedPointwise = new BlockedPointwiseConv2d(accelerator);
        MaxPool = new MaxPool3x3s2(accelerator);
        AvgPool = new AvgPool3x3s2(accelerator);
        GlobalAvgPool = new GlobalAvgPool(accelerator);
        Linear = new Linear(accelerator);
        ScaleChannels = new ScaleChannels(accelerator);
        AddActivation = new AddActivation(accelerator);
        CopyChannels = new CopyChannels(accelerator);
        if (prepareAll)
        {
            Conv2d.PrepareAll();
            Depthwise.PrepareAll();
            foreach (var a in ActivationExtensions.All)
            foreach (int k in new[] { 3, 5, 7 })
                TiledDepthwise.Prepare(a, k);
            Pointwise.PrepareAll();
            foreach (var a in ActivationExtensions.All) BlockedPointwise.Prepare(a);
            Linear.PrepareAll();
            ScaleChannels.PrepareAll();
            AddActivation.PrepareAll();
            CopyChannels.PrepareAll();
        }
        CompileTime = watch.Elapsed;
    }

    /// <summary>The accelerator the kernels were compiled for.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>How long compiling every kernel took.</summary>
    public TimeSpan CompileTime { get; }

    /// <summary>General grouped convolution.</summary>
    public Conv2d Conv2d { get; }

    /// <summary>Depthwise convolution, one thread per output: the reference of <see cref="TiledDepthwise"/>, and what
    /// runs the kernel sizes and strides that one does not take.</summary>
    public DepthwiseConv2d Depthwise { get; }

    /// <summary>Depthwise convolution through shared-memory tiles (K 3/5/7, stride 1/2).</summary>
    public TiledDepthwiseConv2d TiledDepthwise { get; }

    /// <summary>Tiled 1x1 convolution: the reference of <see cref="BlockedPointwise"/>, and what runs the 1x1
    /// convolutions whose input map shuffles.</summary>
    public PointwiseConv2d Pointwise { get; }

    /// <summary>Register-blocked 1x1 convolution (packed weights): what runs the other 1x1 convolutions.</summary>
    public BlockedPointwiseConv2d BlockedPointwise { get; }

    /// <summary>3x3 stride-2 max pooling.</summary>
    public MaxPool3x3s2 MaxPool { get; }

    /// <summary>3x3 stride-2 average pooling (divide by 9).</summary>
    public AvgPool3x3s2 AvgPool { get; }

    /// <summary>Global average pooling.</summary>
    public GlobalAvgPool GlobalAvgPool { get; }

    /// <summary>Fully connected layer.</summary>
    public Linear Linear { get; }

    /// <summary>Squeeze-excitation apply.</summary>
    public ScaleChannels ScaleChannels { get; }

    /// <summary>Add two tensors and activate.</summary>
    public AddActivation AddActivation { get; }

    /// <summary>Copy (and activate) channels into a slice.</summary>
    public CopyChannels CopyChannels { get; }
}
