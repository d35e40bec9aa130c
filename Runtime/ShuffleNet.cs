using System.Runtime.CompilerServices;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Cpu;
using ShuffleNetGpu.Runtime.Execution;
using ShuffleNetGpu.Runtime.Planning;
using ShuffleNetGpu.Runtime.IO;
using ShuffleNetGpu.Networks.IO;

namespace ShuffleNetGpu;

/// <summary>
/// A loaded network on one device. Load once, run many, dispose:
/// <code>
/// using var net = ShuffleNet.Load("v2.safetensors", BackendKind.Auto);
/// float[] logits = net.Run(batch);   // batch: N x 3 x 224 x 224 floats, NCHW, BGR 0..255
/// </code>
/// Kernels are compiled and weights uploaded (or repacked, on the cpu backend) in <see cref="Load(string, BackendKind, int)"/>. <see cref="Run(float[])"/> is
/// thread-safe and synchronous: it returns when the results are on the host. Calls on one network are serialised (each
/// gets every bit a lone call would; on cpu each already uses all <c>cpuThreads</c>); separate networks run in parallel.
/// The span overloads (<see cref="Run(ReadOnlySpan{float}, Span{float})"/>, <see cref="RunLayer(ReadOnlySpan{float}, string, Span{float})"/>,
/// <see cref="Embed(ReadOnlySpan{float}, Span{float})"/>) write into the caller's buffer and, on cpu, allocate nothing once warm.
/// NaN or infinity in an input propagates to that image's outputs; nothing is checked per pixel.
/// <para>
/// Any input size: the overloads taking <c>height</c> and <c>width</c> run N x 3 x H x W batches (H, W at least
/// <see cref="InputShapes.MinSize"/>, odd sizes included), with every map's size as upstream's convolutions and pools
/// compute it. Backbone maps (<see cref="Features(ReadOnlySpan{float}, int, int, IReadOnlyList{int}, bool)"/>), named layers
/// before the head, and embeddings (the average over the whole last map) work at every size; logits only where the
/// classifier's fixed 7x7 average pool reads a 7x7 map (193..224 pixels a side for every released family), as upstream.
/// Memory plans are cached per size and the arena follows the largest recent plan.
/// </para>
/// </summary>
public sealed partial class ShuffleNet : IDisposable
{
    readonly ComputeDevice _device;   // device 0 of _devices
    readonly ComputeDevice[] _devices;
    readonly INetworkExecutor _executor;
    // One call at a time per device (so per network unless networks share a device, see ShuffleNet.SharedDevice.cs);
    // a semaphore rather than a lock so that RunAsync can wait for its turn without a thread and give up when cancelled.
    readonly SemaphoreSlim _gate;
    readonly bool _ownsDevice;
    readonly int _embeddingTensor;
    readonly int[][] _single;   // a one-tensor output list per tensor, so a call allocates none
    readonly Dictionary<string, int> _layers = [];   // Graph.FindNamed as a lookup that allocates no enumerator
    readonly bool[] _afterHead;   // tensors computed from the head's fixed 7x7 pool
    readonly Dictionary<(int Height, int Width), NetworkGraph> _sized = [];
    bool _disposed;

    ShuffleNet(ModelWeights weights, IReadOnlyList<ComputeDevice> devices, int cpuThreads, bool ownsDevices = true,
        Precision precision = Precision.Fp32)
    {
        Weights = weights;
        _device = devices[0];
        _devices = [.. devices];
        // A network's devices are all its own (DeviceSelection) or one shared device: device 0's gate serves either way.
        _gate = _device.Gate;
        _ownsDevice = ownsDevices;
        _embeddingTensor = StageOutputs.EmbeddingTensor(weights.Graph);
        _single = [.. Enumerable.Range(0, weights.Graph.Tensors.Count).Select(t => new[] { t })];
        foreach (var (name, tensor) in weights.Graph.NamedTensors) _layers.TryAdd(name, tensor);
        _afterHead = new bool[weights.Graph.Tensors.Count];
        if (weights.Graph.HeadPoolTensor is { } head) _afterHead[head] = true;
        foreach (var op in weights.Graph.Ops)
            foreach (var read in op.Inputs) _afterHead[op.Output.Tensor] |= _afterHead[read.Tensor];
        try
        {
            // Under the device's gate: on a shared device, ILGPU's kernel cache (per accelerator) is not thread-safe.
            using (EnterGate())
            {
                foreach (var device in _devices) ObjectDisposedException.ThrowIf(device.IsDisposed, device);
                if (precision != Precision.Fp32 && _device.Kind != BackendKind.Cuda)
                    throw new PrecisionException(precision, $"the {_device.Kind.ToName()} backend");
                // One executor per device (ShuffleNet.Devices.cs); a failure disposes the executors made, not the devices.
                _executor = MultiDeviceExecutor.Create(_devices, weights, cpuThreads, precision);
            }
        }
        catch
        {
            if (ownsDevices) foreach (var device in _devices) device.Dispose();
            throw;
        }
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
    /// <remarks>For the ILGPU backends it also says how kernels are launched (CUDA graph replay or plain launches, and why)
    /// and, for tf32, the precision; over several devices, one entry a device.</remarks>
    public string DeviceDescription => DescribeDevices();

    /// <summary>For <see cref="BackendKind.Auto"/>: why the GPU backends were passed over; otherwise null.</summary>
    public string? FallbackReason => _device.FallbackReason;
    /// <summary>Time spent compiling kernels (or repacking weights, on the cpu backend) in <see cref="Load(string, BackendKind, int)"/>.</summary>
    public TimeSpan CompileTime => _executor.CompileTime;

    /// <summary>Bytes of device memory (host memory for the CPU engine) held now: weights plus the activation arena.</summary>
    public long AllocatedBytes => _executor.AllocatedBytes;

    /// <summary>The most bytes held at once since load (the arena holds the largest of the last 16 plans run).</summary>
    public long PeakAllocatedBytes => _executor.PeakAllocatedBytes;

    /// <summary>
    /// The most bytes the activation arena may take (weights not counted; null, the default: no limit). A batch whose
    /// plan needs more throws <see cref="ArenaMemoryException"/> naming the batch size before anything
    /// runs, and a smaller batch still works; so does a batch whose arena the system refuses.
    /// </summary>
    /// <exception cref="ShuffleNetException">set to a negative value.</exception>
    public long? MaxArenaBytes
    {
        get => _executor.ArenaLimitBytes;
        set
        {
            if (value < 0) throw new ShuffleNetException($"the arena limit must be 0 or more bytes, not {value}");
            using (EnterGate()) _executor.ArenaLimitBytes = value;
        }
    }

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
        return FromWeights(LoadWeightsFile(path), backend, cpuThreads);
    }

    /// <summary>Loads a converted weights file with <paramref name="options"/> (backend or devices, cpu threads, precision).</summary>
    /// <exception cref="PrecisionException">tf32 asked for on a backend other than cuda.</exception>
    /// <exception cref="ShuffleNetException">bad cpu threads, an undefined precision, or <see cref="ShuffleNetOptions.Backend"/>
    /// and <see cref="ShuffleNetOptions.Devices"/> naming different backends.</exception>
    public static ShuffleNet Load(string path, ShuffleNetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckDeviceArguments(options.Backend, options.CpuThreads);
        return FromWeights(LoadWeightsFile(path), options);
    }

    /// <summary>The weights of every <c>Load</c> overload: the path checked first (a missing file, an empty path or a
    /// directory named as such), then the file read.</summary>
    static ModelWeights LoadWeightsFile(string path)
    {
        InputFile.Require(path, "a converted weights file (.safetensors)", message => new WeightsFormatException(message));
        return ModelWeights.Load(path);
    }

    /// <summary>Puts <paramref name="weights"/> onto the device or devices <paramref name="options"/> names.</summary>
    /// <exception cref="PrecisionException">tf32 asked for on a backend other than cuda.</exception>
    /// <exception cref="ShuffleNetException">bad cpu threads, an undefined precision, or <see cref="ShuffleNetOptions.Backend"/>
    /// and <see cref="ShuffleNetOptions.Devices"/> naming different backends.</exception>
    public static ShuffleNet FromWeights(ModelWeights weights, ShuffleNetOptions options)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(options);
        var backend = options.Devices?.Backend ?? options.Backend;
        if (options.Devices is { } chosen && options.Backend != BackendKind.Auto && options.Backend != chosen.Backend)
            throw new ShuffleNetException($"options: Backend {options.Backend.ToName()} and Devices {chosen} name different backends (leave Backend auto)");
        CheckDeviceArguments(backend, options.CpuThreads);
        if (!Enum.IsDefined(options.Precision)) throw new ShuffleNetException($"precision {(int)options.Precision} is not fp32 or tf32");
        bool tf32 = options.Precision == Precision.Tf32;
        if (tf32 && backend is not (BackendKind.Cuda or BackendKind.Auto))
            throw new PrecisionException(options.Precision, $"the {backend.ToName()} backend");
        // TF32 compiles at O2 (unless the environment names a level): at O1 ILGPU keeps inline-PTX operands in local memory.
        var level = tf32 ? ComputeDevice.LevelFromEnvironment() ?? ILGPU.OptimizationLevel.O2 : (ILGPU.OptimizationLevel?)null;
        IReadOnlyList<ComputeDevice> devices = options.Devices is { } selection ? selection.Create(level) : [ComputeDevice.Create(backend, level)];
        return new(weights, devices, options.CpuThreads, ownsDevices: true, options.Precision);
    }

    /// <summary>Puts <paramref name="weights"/> onto <paramref name="backend"/> (see <see cref="Load(string, BackendKind, int)"/>).</summary>
    /// <exception cref="BackendException">the backend is not present, or not a <see cref="BackendKind"/>.</exception>
    /// <exception cref="ShuffleNetException"><paramref name="cpuThreads"/> is outside 0..<see cref="MaxCpuThreads"/>.</exception>
    public static ShuffleNet FromWeights(ModelWeights weights, BackendKind backend = BackendKind.Auto, int cpuThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        CheckDeviceArguments(backend, cpuThreads);
        return new(weights, [ComputeDevice.Create(backend)], cpuThreads);
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
    public float[] Run(float[] batch) => Run(batch, ImageSize, ImageSize);

    /// <summary>Classifies a batch of N x 3 x <paramref name="height"/> x <paramref name="width"/> floats; returns N x classes logits.</summary>
    /// <exception cref="InputSizeException">a side below <see cref="InputShapes.MinSize"/>, or a size at which the head's
    /// fixed 7x7 pool does not read a 7x7 map (the message names the sizes that classify).</exception>
    /// <exception cref="ShuffleNetException">the batch is empty or not a whole number of images of that size.</exception>
    public float[] Run(float[] batch, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var sized = SizedGraph(height, width);
        sized.CheckClassifierSize();
        return RunTensors(batch, sized, _single[Graph.OutputTensor])[0];
    }

    /// <summary>
    /// Classifies a batch into a buffer the caller owns: <paramref name="input"/> holds N x 3 x 224 x 224 floats (N is
    /// its length over <see cref="ImageElements"/>); <paramref name="output"/> receives N x <see cref="Classes"/> logits.
    /// On the cpu backend the input is read in place and, once a batch size has run, a call allocates nothing; the
    /// ILGPU backends copy the input to the device and the logits back into <paramref name="output"/>.
    /// </summary>
    /// <exception cref="ShuffleNetException">the input is empty or not a whole number of images, or <paramref name="output"/>
    /// is not N x classes long (the message names both lengths).</exception>
    public void Run(ReadOnlySpan<float> input, Span<float> output) => RunInto(input, _single[Graph.OutputTensor], output, "logits");

    /// <summary>Classes the network scores (the length of one image's logits).</summary>
    public int Classes => Config.NumClasses;

    /// <summary>The output of upstream module <paramref name="layer"/> (e.g. <c>features.3</c>, <c>first_conv</c>) for a batch, NCHW.</summary>
    /// <exception cref="ShuffleNetException">the layer is not a named output of this network (the message lists them), or the
    /// batch is empty or not a whole number of 3 x 224 x 224 images.</exception>
    public (int[] Shape, float[] Data) RunLayer(float[] batch, string layer) => RunLayer(batch, ImageSize, ImageSize, layer);

    /// <summary>The output of upstream module <paramref name="layer"/> for a batch of N x 3 x <paramref name="height"/> x
    /// <paramref name="width"/> floats, NCHW.</summary>
    /// <exception cref="InputSizeException">a side below <see cref="InputShapes.MinSize"/>, or a layer of the classification
    /// head at a size its fixed 7x7 pool does not fit.</exception>
    /// <exception cref="ShuffleNetException">the layer is unknown, or the batch is not a whole number of images of that size.</exception>
    public (int[] Shape, float[] Data) RunLayer(float[] batch, int height, int width, string layer)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var sized = SizedGraph(height, width);
        int tensor = LayerTensor(layer);
        if (_afterHead[tensor]) sized.CheckClassifierSize();
        var info = sized.Tensors[tensor];
        int n = BatchSize(batch, sized);
        return ([n, info.Channels, info.Height, info.Width], RunTensors(batch, sized, _single[tensor])[0]);
    }

    /// <summary>The output of <paramref name="layer"/> into <paramref name="output"/>: N x C x H x W floats, NCHW, with
    /// (C, H, W) from <see cref="LayerShape(string)"/>. Allocates nothing per call on the cpu backend (see <see cref="Run(ReadOnlySpan{float}, Span{float})"/>).</summary>
    /// <exception cref="ShuffleNetException">the layer is unknown, the input is not a whole number of images, or
    /// <paramref name="output"/> has the wrong length (the message names both lengths).</exception>
    public void RunLayer(ReadOnlySpan<float> input, string layer, Span<float> output) =>
        RunInto(input, _single[LayerTensor(layer)], output, "layer ", layer);

    /// <summary>Channels, height and width of one image's output of <paramref name="layer"/>.</summary>
    /// <exception cref="ShuffleNetException">the layer is not a named output of this network (the message lists them).</exception>
    public (int Channels, int Height, int Width) LayerShape(string layer) => LayerShape(layer, ImageSize, ImageSize);

    /// <summary>Channels, height and width of one image's output of <paramref name="layer"/> for an input of
    /// <paramref name="height"/> x <paramref name="width"/> pixels.</summary>
    /// <exception cref="InputSizeException">a side below <see cref="InputShapes.MinSize"/> or above <see cref="InputShapes.MaxSize"/>.</exception>
    /// <exception cref="ShuffleNetException">the layer is not a named output of this network.</exception>
    public (int Channels, int Height, int Width) LayerShape(string layer, int height, int width)
    {
        var info = SizedGraph(height, width).Tensors[LayerTensor(layer)];
        return (info.Channels, info.Height, info.Width);
    }

    /// <summary>Channels, height and width of one image's Ck (<paramref name="stage"/> 2..5) for an input of
    /// <paramref name="height"/> x <paramref name="width"/> pixels: upstream's arithmetic, e.g. C5 of 800x1216 is 25x38.</summary>
    /// <exception cref="InvalidStageException">a stage outside 2..5.</exception>
    /// <exception cref="InputSizeException">a side below <see cref="InputShapes.MinSize"/> or above <see cref="InputShapes.MaxSize"/>.</exception>
    public (int Channels, int Height, int Width) StageShape(int stage, int height, int width)
    {
        StageOutputs.Check(stage);
        var info = SizedGraph(height, width).Tensors[StageOutputs.Tensor(Graph, stage)];
        return (info.Channels, info.Height, info.Width);
    }

    /// <summary>The graph at an input size, cached (at most 16 sizes).</summary>
    NetworkGraph SizedGraph(int height, int width)
    {
        if (height == ImageSize && width == ImageSize) return Graph;
        lock (_sized)
        {
            if (_sized.TryGetValue((height, width), out var sized)) return sized;
            sized = Graph.AtInputSize(height, width);
            if (_sized.Count >= 16) _sized.Clear();
            return _sized[(height, width)] = sized;
        }
    }

    int LayerTensor(string layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return _layers.TryGetValue(layer, out int tensor) ? tensor : throw new ShuffleNetException(
            $"layer '{layer}' is not a named output of this {Config.Family} network; known: {string.Join(", ", Graph.NamedTensors.Select(k => k.Key).Distinct())}");
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
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(stages);
        return Features(batch.AsSpan(), ImageSize, ImageSize, stages, embedding);
    }

    /// <summary>
    /// The backbone maps C2..C5 (none given means all four) of a batch of N x 3 x <paramref name="height"/> x
    /// <paramref name="width"/> floats (NCHW, any size from <see cref="InputShapes.MinSize"/>, odd sizes included). Each
    /// map is [N, C, H', W'] with H' and W' as upstream computes them (<c>floor((H + 2p - k) / s) + 1</c> per layer; see
    /// <see cref="StageShape"/>).
    /// </summary>
    /// <exception cref="InvalidStageException">a stage outside 2..5.</exception>
    /// <exception cref="InputSizeException">a side below <see cref="InputShapes.MinSize"/> (the message names the minimum) or
    /// above <see cref="InputShapes.MaxSize"/>.</exception>
    /// <exception cref="ShuffleNetException">the batch is empty or not a whole number of images of that size.</exception>
    public FeatureMaps Features(float[] batch, int height, int width, params int[] stages)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(stages);
        return Features(batch.AsSpan(), height, width, stages.Length == 0 ? StageOutputs.All : stages, embedding: false);
    }

    /// <summary>
    /// The stage maps <paramref name="stages"/> (each 2..5, duplicates ignored; null or empty: none, unless
    /// <paramref name="embedding"/> is false, then all four) and, when <paramref name="embedding"/>, the embedding [N, D],
    /// from one forward pass over a batch of N x 3 x <paramref name="height"/> x <paramref name="width"/> floats. At sizes
    /// other than 224 the embedding averages the whole last map (the head's fixed 7x7 pool covers it only at 193..224).
    /// On the cpu backend the batch is read in place.
    /// </summary>
    /// <exception cref="InvalidStageException">a stage outside 2..5.</exception>
    /// <exception cref="InputSizeException">a side below <see cref="InputShapes.MinSize"/> or above <see cref="InputShapes.MaxSize"/>.</exception>
    /// <exception cref="ShuffleNetException">the batch is empty or not a whole number of images of that size.</exception>
    public FeatureMaps Features(ReadOnlySpan<float> batch, int height, int width, IReadOnlyList<int>? stages = null, bool embedding = false)
    {
        stages ??= embedding ? [] : StageOutputs.All;
        var wanted = stages.Distinct().ToArray();
        foreach (int k in wanted) StageOutputs.Check(k);
        var sized = SizedGraph(height, width);
        int n = BatchSize(batch, sized);
        var tensors = wanted.Select(k => StageOutputs.Tensor(Graph, k)).ToList();
        if (embedding) tensors.Add(_embeddingTensor);
        if (tensors.Count == 0) return new FeatureMaps([], null);
        var values = RunTensors(batch, sized, tensors);
        var maps = new List<(int, FeatureMap)>();
        for (int i = 0; i < wanted.Length; i++)
        {
            var info = sized.Tensors[tensors[i]];
            maps.Add((wanted[i], new FeatureMap($"c{wanted[i]}", [n, info.Channels, info.Height, info.Width], values[i])));
        }
        var pooled = embedding ? new FeatureMap("embedding", [n, EmbeddingSize], values[^1]) : null;
        return new FeatureMaps(maps, pooled);
    }

    /// <summary>
    /// The embedding of each image: N x <see cref="EmbeddingSize"/> floats, row-major; the vector the final
    /// classifier layer reads (the global average pool; for V2+ after <c>LastSE</c> and <c>fc.0</c>, see <see cref="StageOutputs"/>).
    /// </summary>
    public float[] Embed(float[] batch) => Embed(batch, ImageSize, ImageSize);

    /// <summary>The embeddings of a batch of N x 3 x <paramref name="height"/> x <paramref name="width"/> floats (see
    /// <see cref="Features(ReadOnlySpan{float}, int, int, IReadOnlyList{int}, bool)"/> for other sizes): N x <see cref="EmbeddingSize"/>.</summary>
    /// <exception cref="InputSizeException">a side below <see cref="InputShapes.MinSize"/> or above <see cref="InputShapes.MaxSize"/>.</exception>
    /// <exception cref="ShuffleNetException">the batch is empty or not a whole number of images of that size.</exception>
    public float[] Embed(float[] batch, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return RunTensors(batch, SizedGraph(height, width), _single[_embeddingTensor])[0];
    }

    /// <summary>The embeddings of a batch into <paramref name="output"/> (N x <see cref="EmbeddingSize"/> floats). Allocates
    /// nothing per call on the cpu backend (see <see cref="Run(ReadOnlySpan{float}, Span{float})"/>).</summary>
    /// <exception cref="ShuffleNetException">the input is not a whole number of images, or <paramref name="output"/> has the
    /// wrong length (the message names both lengths).</exception>
    public void Embed(ReadOnlySpan<float> input, Span<float> output) => RunInto(input, _single[_embeddingTensor], output, "embeddings");

    /// <summary>Length of one image's embedding.</summary>
    public int EmbeddingSize => Graph.Tensors[_embeddingTensor].Channels;

    /// <summary>
    /// <see cref="Run(float[])"/> without blocking the caller: waits for its turn on this network without holding a thread,
    /// runs on the thread pool, and completes when the logits are on the host. <paramref name="cancellationToken"/> is
    /// honoured until the run starts (while queued behind other calls); a run that has started finishes (a forward pass,
    /// milliseconds to a second) and its result is returned. A cancelled call leaves the network as it was.
    /// </summary>
    /// <exception cref="ShuffleNetException">the batch is empty or not a whole number of images (in the task).</exception>
    /// <exception cref="OperationCanceledException">cancelled before the run started (in the task).</exception>
    public async Task<float[]> RunAsync(float[] batch, CancellationToken cancellationToken = default)
    {
        int n = BatchSize(batch);
        var output = NewOutput(n, Graph, Graph.OutputTensor);
        await RunAsync(batch, output, cancellationToken).ConfigureAwait(false);
        return output;
    }

    /// <summary>
    /// <see cref="Run(ReadOnlySpan{float}, Span{float})"/> without blocking the caller, into a buffer the caller owns
    /// (N x <see cref="Classes"/> floats). The buffers are not touched after the task completes, cancelled or not.
    /// </summary>
    /// <exception cref="ShuffleNetException">the input is not a whole number of images, or the output has the wrong length.</exception>
    /// <exception cref="OperationCanceledException">cancelled before the run started.</exception>
    public async Task RunAsync(ReadOnlyMemory<float> input, Memory<float> output, CancellationToken cancellationToken = default)
    {
        CheckOutputLength(input.Span, _single[Graph.OutputTensor], output.Length, "logits", "");
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed();
            cancellationToken.ThrowIfCancellationRequested();
            // The gate is held until the run ends, so nothing else uses the executor and the buffers outlive their use.
            await Task.Run(() => _executor.Run(input.Span, input.Length / ImageElements, Graph, _single[Graph.OutputTensor], new RunOutputs(output.Span)),
                CancellationToken.None).ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    /// <summary>
    /// Classifies a stream of batches, yielding each batch's logits in order, with the bits one-by-one
    /// <see cref="Run(float[])"/> gives. Pipelined on every backend (ShuffleNet.Streaming.cs): the source is read ahead, so
    /// batch k+1 is taken (decoded, for a decoding source) while batch k runs, and finished batches are yielded while the
    /// source is not ready. On the ILGPU backends each batch also goes through page-locked staging
    /// (<see cref="BatchPipeline"/>): batch k+1 uploads and batch k-1 downloads while batch k's kernels run (on CUDA the
    /// copy and compute streams wait for each other through events). Over several devices (<see cref="DeviceCount"/>)
    /// batches are dealt out whole, round-robin over the whole stream (batch j on device j mod k), each device with its
    /// own pipeline, results in order. The network is held only while a batch is submitted or collected (on the cpu
    /// engine: while it runs): other calls may run between them. Cancelling <paramref name="cancellationToken"/> (or the
    /// enumeration's own token) ends the stream with <see cref="OperationCanceledException"/> between batches or while
    /// waiting for the source; batches in flight are waited for and dropped, and the network stays usable. A batch that
    /// cannot run (bad size, over the memory limit, a device failure) ends the stream after the batches before it.
    /// </summary>
    public IAsyncEnumerable<float[]> RunStreamAsync(IAsyncEnumerable<float[]> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        return StreamPipelined(AtImageSize(batches), Graph.OutputTensor, cancellationToken);
    }

    /// <summary>
    /// Times <paramref name="runs"/> forward passes of <paramref name="batch"/> with the input already on the device and
    /// the logits left there (each pass synchronised): the figure GPU frameworks usually report. <see cref="Run(float[])"/>'s
    /// time adds the upload and download. A diagnostic for benchmarks; the results are not returned.
    /// </summary>
    /// <exception cref="ShuffleNetException"><paramref name="runs"/> is less than 1, or the batch is empty or not a whole
    /// number of 3 x 224 x 224 images.</exception>
    public TimeSpan[] TimeResident(float[] batch, int runs) => TimeResident(batch, ImageSize, ImageSize, runs);

    /// <summary><see cref="TimeResident(float[], int)"/> for a batch of N x 3 x <paramref name="height"/> x <paramref name="width"/>
    /// floats (logits: the size must classify, see <see cref="Run(float[], int, int)"/>).</summary>
    /// <exception cref="InputSizeException">a size the network does not classify at.</exception>
    /// <exception cref="ShuffleNetException"><paramref name="runs"/> is less than 1, or the batch is not a whole number of images.</exception>
    public TimeSpan[] TimeResident(float[] batch, int height, int width, int runs)
    {
        var sized = SizedGraph(height, width);
        sized.CheckClassifierSize();
        ArgumentNullException.ThrowIfNull(batch);
        int n = BatchSize(batch, sized);
        if (runs < 1) throw new ShuffleNetException($"runs must be 1 or more, not {runs}");
        using (EnterGate())
        {
            ThrowIfDisposed();
            return _executor.TimeResident(batch, n, sized, runs);
        }
    }

    /// <summary>The requested tensors of a 224x224 batch, one array each.</summary>
    internal float[][] RunTensors(float[] batch, IReadOnlyList<int> tensors)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return RunTensors(batch, Graph, tensors);
    }

    /// <summary>The requested tensors of a batch at <paramref name="sized"/>'s input size, one array each.</summary>
    float[][] RunTensors(ReadOnlySpan<float> batch, NetworkGraph sized, IReadOnlyList<int> tensors)
    {
        int n = BatchSize(batch, sized);
        var results = new float[tensors.Count][];
        for (int i = 0; i < results.Length; i++) results[i] = NewOutput(n, sized, tensors[i]);
        Execute(batch, n, sized, tensors, new RunOutputs(results));
        return results;
    }

    /// <summary>An array for <paramref name="tensor"/> of <paramref name="n"/> images; a batch no array can hold is the
    /// planner's <see cref="BatchSizeException"/>, before anything is allocated.</summary>
    float[] NewOutput(int n, NetworkGraph sized, int tensor)
    {
        long elements = (long)n * sized.Tensors[tensor].ElementsPerImage;
        if (elements > Array.MaxLength) BatchLimit.Check(sized, [], [tensor], n, long.MaxValue, $"the {Backend} backend");
        return new float[elements];
    }

    /// <summary>Runs the batch in <paramref name="input"/> and writes <paramref name="tensors"/> back to back into
    /// <paramref name="output"/>, which must hold exactly that many floats (<paramref name="what"/> and <paramref name="name"/> name
    /// them in errors; two strings, so a call formats none).</summary>
    void RunInto(ReadOnlySpan<float> input, int[] tensors, Span<float> output, string what, string name = "")
    {
        int n = CheckOutputLength(input, tensors, output.Length, what, name);
        Execute(input, n, Graph, tensors, new RunOutputs(output));
    }

    /// <summary>The batch size of <paramref name="input"/>, after checking that <paramref name="outputLength"/> floats hold
    /// exactly <paramref name="tensors"/> of that many images.</summary>
    int CheckOutputLength(ReadOnlySpan<float> input, int[] tensors, int outputLength, string what, string name)
    {
        int n = BatchSize(input);
        long expected = 0;
        foreach (int t in tensors) expected += (long)n * Graph.Tensors[t].ElementsPerImage;
        if (outputLength != expected)
            throw new ShuffleNetException($"output holds {outputLength} values, expected {expected} ({what}{name} of {n} image{(n == 1 ? "" : "s")})");
        return n;
    }

    void Execute(ReadOnlySpan<float> input, int n, NetworkGraph sized, IReadOnlyList<int> tensors, RunOutputs destination)
    {
        using (EnterGate())
        {
            ThrowIfDisposed();
            _executor.Run(input, n, sized, tensors, destination);
        }
    }

    static int BatchSize(float[] batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return BatchSize(batch.AsSpan());
    }

    static int BatchSize(ReadOnlySpan<float> batch)
    {
        if (batch.Length == 0 || batch.Length % ImageElements != 0)
            throw new ShuffleNetException($"input holds {batch.Length} values, expected N x 3 x 224 x 224 (a multiple of {ImageElements})");
        return batch.Length / ImageElements;
    }

    /// <summary>Images in <paramref name="batch"/> at <paramref name="sized"/>'s input size.</summary>
    static int BatchSize(ReadOnlySpan<float> batch, NetworkGraph sized)
    {
        if (sized.InputHeight == ImageSize && sized.InputWidth == ImageSize) return BatchSize(batch);
        long image = sized.Tensors[NetworkGraph.InputTensor].ElementsPerImage;
        if (batch.Length == 0 || batch.Length % image != 0)
            throw new ShuffleNetException(
                $"input holds {batch.Length} values, expected N x 3 x {sized.InputHeight} x {sized.InputWidth} (a multiple of {image})");
        return (int)(batch.Length / image);
    }

    /// <summary>Frees the device memory and worker threads; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        using (EnterGate())
        {
            if (_disposed) return;
            _disposed = true;
            _executor.Dispose();
        }
        // After the gate is released: the device's Dispose takes the same gate.
        if (_ownsDevice) foreach (var device in _devices) device.Dispose();
    }

    void ThrowIfDisposed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // A shared device disposed before this network: its accelerator (and compiled kernels) are gone.
        ObjectDisposedException.ThrowIf(_device.IsDisposed, _device);
    }

    /// <summary>Waits for this network's turn; disposing the result ends it. A struct, so a warm call allocates nothing.</summary>
    GateHeld EnterGate()
    {
        _gate.Wait();
        return new GateHeld(_gate);
    }

    readonly struct GateHeld(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
