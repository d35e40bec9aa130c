using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Cpu;
using ShuffleNetGpu.Runtime.Execution;
using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu;

/// <summary>
/// A loaded network on one device. Load once, run many, dispose:
/// <code>
/// using var net = ShuffleNet.Load("v2.safetensors", BackendKind.Auto);
/// float[] logits = net.Run(batch);   // batch: N x 3 x 224 x 224 floats, NCHW, BGR 0..255
/// </code>
/// Kernels are compiled and weights uploaded (or repacked, on the cpu backend) in <see cref="Load"/>. <see cref="Run"/> is
/// thread-safe (calls are serialised) and synchronous: it returns when the results are on the host.
/// NaN or infinity in an input propagates to that image's outputs; nothing is checked per pixel.
/// </summary>
public sealed class ShuffleNet : IDisposable
{
    readonly ComputeDevice _device;
    readonly INetworkExecutor _executor;
    readonly Lock _gate = new();
    bool _disposed;

    ShuffleNet(ModelWeights weights, ComputeDevice device, int cpuThreads)
    {
        Weights = weights;
        _device = device;
        try
        {
            _executor = device.IsIlgpu ? new GraphExecutor(device.Accelerator, weights) : new CpuExecutor(weights, cpuThreads);
        }
        catch { device.Dispose(); throw; }
    }

    /// <summary>The weights loaded.</summary>
    public ModelWeights Weights { get; }
    /// <summary>The network's configuration.</summary>
    public ModelConfig Config => Weights.Config;
    /// <summary>The network's graph.</summary>
    public NetworkGraph Graph => Weights.Graph;
    /// <summary>The backend it runs on (never <see cref="BackendKind.Auto"/>).</summary>
    public BackendKind Backend => _device.Kind;
    /// <summary>One line naming the device (for cpu: processor, vector path and threads).</summary>
    public string DeviceDescription => _executor is CpuExecutor cpu ? cpu.Description : _device.Description;

    /// <summary>For <see cref="BackendKind.Auto"/>: why the GPU backends were passed over; otherwise null.</summary>
    public string? FallbackReason => _device.FallbackReason;
    /// <summary>Time spent compiling kernels (or repacking weights, on the cpu backend) in <see cref="Load"/>.</summary>
    public TimeSpan CompileTime => _executor.CompileTime;

    /// <summary>Bytes of device memory (host memory for the CPU engine) held now: weights plus the activation arena.</summary>
    public long AllocatedBytes => _executor.AllocatedBytes;

    /// <summary>The most bytes held at once since load (the arena follows the largest plan used so far).</summary>
    public long PeakAllocatedBytes => _executor.PeakAllocatedBytes;

    /// <summary>Kernels launched (ops run) by the last call: the whole graph for logits, fewer for early layers.</summary>
    public int LastRunOps => _executor.LastRunOps;

    /// <summary>Set to time every op (each is then synchronised: slower); null (the default) to stop.</summary>
    public Runtime.Execution.OpProfile? Profile { get => _executor.Profile; set => _executor.Profile = value; }

    /// <summary>One input image: <see cref="ImageChannels"/> (B, G, R) planes of <see cref="ImageSize"/> x <see cref="ImageSize"/> floats.</summary>
    public const int ImageSize = NetworkGraph.InputSize, ImageChannels = NetworkGraph.InputChannels;
    /// <summary>Floats per input image: 3 x 224 x 224.</summary>
    public const int ImageElements = ImageChannels * ImageSize * ImageSize;

    /// <summary>Loads a converted weights file (.safetensors) onto <paramref name="backend"/>.</summary>
    /// <param name="path">The converted file.</param>
    /// <param name="backend">Where to run (<see cref="BackendKind.Auto"/>: CUDA, an OpenCL GPU, else the SIMD CPU engine).</param>
    /// <param name="cpuThreads">Threads of the cpu backend, the caller included; 0 for <see cref="Environment.ProcessorCount"/>.
    /// Results do not depend on it. Ignored by the other backends.</param>
    /// <exception cref="FileNotFoundException">there is no file at <paramref name="path"/>.</exception>
    /// <exception cref="WeightsFormatException">the path is empty or a directory, or the file is malformed or does not fit its configuration.</exception>
    /// <exception cref="BackendException">the backend is not present (the message lists those that are), or not a <see cref="BackendKind"/>.</exception>
    /// <exception cref="ShuffleNetException"><paramref name="cpuThreads"/> is outside 0..<see cref="MaxCpuThreads"/>.</exception>
    public static ShuffleNet Load(string path, BackendKind backend = BackendKind.Auto, int cpuThreads = 0)
    {
        CheckDeviceArguments(backend, cpuThreads);
        InputFile.Require(path, "a converted weights file (.safetensors)", message => new WeightsFormatException(message));
        return FromWeights(ModelWeights.Load(path), backend, cpuThreads);
    }

    /// <summary>Puts <paramref name="weights"/> onto <paramref name="backend"/> (see <see cref="Load"/>).</summary>
    /// <exception cref="BackendException">the backend is not present, or not a <see cref="BackendKind"/>.</exception>
    /// <exception cref="ShuffleNetException"><paramref name="cpuThreads"/> is outside 0..<see cref="MaxCpuThreads"/>.</exception>
    public static ShuffleNet FromWeights(ModelWeights weights, BackendKind backend = BackendKind.Auto, int cpuThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        CheckDeviceArguments(backend, cpuThreads);
        return new(weights, ComputeDevice.Create(backend), cpuThreads);
    }

    /// <summary>The most threads the cpu backend takes (each holds a stack and scratch buffers; beyond the processors
    /// there are, more threads only add switching).</summary>
    public const int MaxCpuThreads = 1024;

    static void CheckDeviceArguments(BackendKind backend, int cpuThreads)
    {
        if (!Enum.IsDefined(backend))
            throw new BackendException($"backend {(int)backend} is not a BackendKind; valid backends: {string.Join(", ", BackendNames.ValidNames)}");
        if (cpuThreads is < 0 or > MaxCpuThreads)
            throw new ShuffleNetException($"cpu threads must be 0 (all processors) to {MaxCpuThreads}, not {cpuThreads}");
    }

    /// <summary>Classifies a batch: <paramref name="batch"/> holds N x 3 x 224 x 224 floats; returns N x classes logits.</summary>
    /// <exception cref="ShuffleNetException">the batch is empty or not a whole number of 3 x 224 x 224 images.</exception>
    public float[] Run(float[] batch) => RunTensors(batch, [Graph.OutputTensor])[0];

    /// <summary>The output of upstream module <paramref name="layer"/> (e.g. <c>features.3</c>, <c>first_conv</c>) for a batch, NCHW.</summary>
    /// <exception cref="ShuffleNetException">the layer is not a named output of this network (the message lists them), or the
    /// batch is empty or not a whole number of 3 x 224 x 224 images.</exception>
    public (int[] Shape, float[] Data) RunLayer(float[] batch, string layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        int tensor = Graph.FindNamed(layer) ?? throw new ShuffleNetException(
            $"layer '{layer}' is not a named output of this {Config.Family} network; known: {string.Join(", ", Graph.NamedTensors.Select(k => k.Key).Distinct())}");
        var info = Graph.Tensors[tensor];
        int n = BatchSize(batch);
        return ([n, info.Channels, info.Height, info.Width], RunTensors(batch, [tensor])[0]);
    }

    /// <summary>
    /// The backbone maps C2..C5 (strides 4, 8, 16, 32: 56, 28, 14 and 7 pixels square) for a batch of
    /// N x 3 x 224 x 224 floats; none given means all four. Each map is [N, C, H, W]. Which graph tensor is each Ck,
    /// per family, is <see cref="StageOutputs"/>. Only the ops the requested maps depend on need to run.
    /// </summary>
    /// <exception cref="InvalidStageException">a stage outside 2..5 (the message names it and the valid range).</exception>
    /// <exception cref="ShuffleNetException">the batch is empty or not a whole number of 3 x 224 x 224 images.</exception>
    public FeatureMaps Features(float[] batch, params int[] stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        return Features(batch, stages.Length == 0 ? StageOutputs.All : stages, embedding: false);
    }

    /// <summary>
    /// The stage maps <paramref name="stages"/> (each 2..5, duplicates ignored; may be empty) and, when
    /// <paramref name="embedding"/>, the pooled embedding [N, D], from one forward pass.
    /// </summary>
    /// <exception cref="InvalidStageException">a stage outside 2..5.</exception>
    public FeatureMaps Features(float[] batch, IReadOnlyList<int> stages, bool embedding)
    {
        ArgumentNullException.ThrowIfNull(stages);
        var wanted = stages.Distinct().ToArray();
        foreach (int k in wanted) StageOutputs.Check(k);
        int n = BatchSize(batch);
        var tensors = wanted.Select(k => StageOutputs.Tensor(Graph, k)).ToList();
        if (embedding) tensors.Add(StageOutputs.EmbeddingTensor(Graph));
        var values = RunTensors(batch, tensors);
        var maps = new List<(int, FeatureMap)>();
        for (int i = 0; i < wanted.Length; i++)
        {
            var info = Graph.Tensors[tensors[i]];
            maps.Add((wanted[i], new FeatureMap($"c{wanted[i]}", [n, info.Channels, info.Height, info.Width], values[i])));
        }
        var pooled = embedding ? new FeatureMap("embedding", [n, EmbeddingSize], values[^1]) : null;
        return new FeatureMaps(maps, pooled);
    }

    /// <summary>
    /// The embedding of each image: N x <see cref="EmbeddingSize"/> floats, row-major; the vector the final
    /// classifier layer reads (the global average pool; for V2+ after <c>LastSE</c> and <c>fc.0</c>, see <see cref="StageOutputs"/>).
    /// </summary>
    public float[] Embed(float[] batch) => Features(batch, [], embedding: true).Embedding!.Data;

    /// <summary>Length of one image's embedding.</summary>
    public int EmbeddingSize => Graph.Tensors[StageOutputs.EmbeddingTensor(Graph)].Channels;

    /// <summary>
    /// Times <paramref name="runs"/> forward passes of <paramref name="batch"/> with the input already on the device and
    /// the logits left there (each pass synchronised): the figure GPU frameworks usually report. <see cref="Run"/>'s
    /// time adds the upload and download. A diagnostic for benchmarks; the results are not returned.
    /// </summary>
    /// <exception cref="ShuffleNetException"><paramref name="runs"/> is less than 1, or the batch is empty or not a whole
    /// number of 3 x 224 x 224 images.</exception>
    public TimeSpan[] TimeResident(float[] batch, int runs)
    {
        int n = BatchSize(batch);
        if (runs < 1) throw new ShuffleNetException($"runs must be 1 or more, not {runs}");
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _executor.TimeResident(batch, n, runs);
        }
    }

    internal float[][] RunTensors(float[] batch, IReadOnlyList<int> tensors)
    {
        int n = BatchSize(batch);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _executor.Run(batch, n, tensors);
        }
    }

    static int BatchSize(float[] batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Length == 0 || batch.Length % ImageElements != 0)
            throw new ShuffleNetException($"input holds {batch.Length} values, expected N x 3 x 224 x 224 (a multiple of {ImageElements})");
        return batch.Length / ImageElements;
    }

    /// <summary>Frees the device memory and worker threads; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _executor.Dispose();
            _device.Dispose();
        }
    }
}
