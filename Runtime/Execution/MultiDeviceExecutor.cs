using System.Diagnostics;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.Cpu;
using ShuffleNetGpu.Runtime.Devices;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>
/// A network's executors, one per device (one executor and one arena each), behind the one-executor interface
/// <see cref="ShuffleNet"/> calls: a batch is split into contiguous shares in device order (sizes differ by at most one
/// image), the shares run at once, each writing its rows straight into the caller's output, so results are in input
/// order. Before anything is launched on any device, every share's plan is checked against its device's
/// <see cref="ArenaBudget"/>. With one device it adds only that check. Not thread-safe: <see cref="ShuffleNet"/>
/// serialises callers, as for one executor.
/// </summary>
sealed unsafe class MultiDeviceExecutor : INetworkExecutor
{
    readonly ComputeDevice[] _devices;
    readonly INetworkExecutor[] _lanes;
    readonly ArenaBudget[] _budgets;
    readonly PlanCache _plans;
    readonly RecentPlans _recent = new();
    long? _arenaLimit;
    OpProfile? _profile;

    MultiDeviceExecutor(ComputeDevice[] devices, INetworkExecutor[] lanes, bool inputInArena)
    {
        _devices = devices;
        _lanes = lanes;
        _plans = new PlanCache(inputInArena);
        _budgets = new ArenaBudget[lanes.Length];
        for (int i = 0; i < lanes.Length; i++)
            _budgets[i] = new ArenaBudget(lanes[i].AllocatedBytes, DeviceMemory.Of(devices[i].IsIlgpu ? devices[i].Accelerator : null));
    }

    /// <summary>Makes one executor per device (compiling their kernels at once); a failure disposes the executors made.
    /// The devices stay the caller's (<see cref="ShuffleNet"/> disposes those it owns after releasing their gate, which
    /// <see cref="ComputeDevice.Dispose"/> takes).</summary>
    public static MultiDeviceExecutor Create(IReadOnlyList<ComputeDevice> devices, ModelWeights weights, int cpuThreads,
        Precision precision = Precision.Fp32)
    {
        var made = new INetworkExecutor?[devices.Count];
        try
        {
            INetworkExecutor Make(ComputeDevice d) => d.IsIlgpu ? new GraphExecutor(d.Accelerator, weights, precision) : new CpuExecutor(weights, cpuThreads);
            if (devices.Count == 1) made[0] = Make(devices[0]);
            else Parallel.For(0, devices.Count, i => made[i] = Make(devices[i]));
            return new MultiDeviceExecutor([.. devices], [.. made.Select(m => m!)], devices[0].IsIlgpu);
        }
        catch
        {
            foreach (var m in made) m?.Dispose();
            throw;
        }
    }

    /// <summary>Devices (executors) the network runs on.</summary>
    public int Count => _lanes.Length;

    /// <summary>The executor of device <paramref name="index"/> (tests).</summary>
    internal INetworkExecutor Lane(int index) => _lanes[index];

    /// <summary>The arena budget of device <paramref name="index"/> (tests replace its <see cref="ArenaBudget.Memory"/>).</summary>
    internal ArenaBudget Budget(int index) => _budgets[index];

    /// <summary>Called on each device's thread before its share runs (tests inject a device failure here).</summary>
    internal Action<int>? BeforeShare { get; set; }

    /// <summary>One line per device: the description <see cref="ShuffleNet.DeviceDescription"/> shows.</summary>
    public string Describe(int index) => _lanes[index] switch
    {
        CpuExecutor cpu => cpu.Description,
        GraphExecutor gpu => $"{_devices[index].Description}; {gpu.LaunchDescription}{(gpu.Precision == Precision.Tf32 ? "; tf32 pointwise GEMMs" : "")}",
        _ => _devices[index].Description,
    };

    public long? ArenaLimitBytes
    {
        get => _arenaLimit;
        set
        {
            _arenaLimit = value;
            foreach (var b in _budgets) b.MaxArenaBytes = value;
            foreach (var l in _lanes) l.ArenaLimitBytes = value;
        }
    }

    /// <summary>The memory limit of each device, weights and arena together (null: the device's own figure only).</summary>
    public long? DeviceLimitBytes
    {
        get => _budgets[0].DeviceLimitBytes;
        set { foreach (var b in _budgets) b.DeviceLimitBytes = value; }
    }

    public TimeSpan CompileTime => _lanes.Max(l => l.CompileTime);

    public OpProfile? Profile
    {
        get => _profile;
        set
        {
            _profile = value;
            foreach (var l in _lanes) l.Profile = value;
        }
    }

    public long AllocatedBytes
    {
        get
        {
            long sum = 0;
            foreach (var l in _lanes) sum += l.AllocatedBytes;
            return sum;
        }
    }

    public long PeakAllocatedBytes => _lanes.Sum(l => l.PeakAllocatedBytes);

    public int LastRunOps => _lanes[0].LastRunOps;

    public void Run(ReadOnlySpan<float> input, int n, NetworkGraph sized, IReadOnlyList<int> outputs, RunOutputs destination)
    {
        if (_lanes.Length == 1)
        {
            CheckBudget(0, n, n, sized, outputs);
            _lanes[0].Run(input, n, sized, outputs, destination);
            return;
        }
        RunSplit(input, n, sized, outputs, destination);
    }

    /// <summary><see cref="Run"/> over several devices (a method of its own: its lambdas' captures would otherwise be
    /// allocated on every call, one device's included).</summary>
    void RunSplit(ReadOnlySpan<float> input, int n, NetworkGraph sized, IReadOnlyList<int> outputs, RunOutputs destination)
    {
        Span<(int Start, int Count)> shares = stackalloc (int, int)[_lanes.Length];
        int used = Split(n, shares);
        for (int d = 0; d < used; d++) CheckBudget(d, shares[d].Count, n, sized, outputs);

        long image = sized.Tensors[NetworkGraph.InputTensor].ElementsPerImage;
        var errors = new Exception?[used];
        var perImage = new long[outputs.Count];
        for (int i = 0; i < outputs.Count; i++) perImage[i] = sized.Tensors[outputs[i]].ElementsPerImage;
        var shareArray = shares[..used].ToArray();
        fixed (float* x = input)
        {
            nint inputAddress = (nint)x;
            if (outputs.Count == 1)
            {
                // One output: each device writes its rows straight into the caller's memory (pinned for the call).
                fixed (float* o = destination.Slot(0, 0, n * perImage[0]))
                {
                    nint outputAddress = (nint)o;
                    RunShares(used, errors, d =>
                    {
                        var (start, count) = shareArray[d];
                        _lanes[d].Run(new ReadOnlySpan<float>((float*)inputAddress + start * image, checked((int)(count * image))), count, sized,
                            outputs, new RunOutputs(new Span<float>((float*)outputAddress + start * perImage[0], checked((int)(count * perImage[0])))));
                    });
                }
            }
            else
            {
                // Several outputs (stage maps): each device fills its own arrays, copied into place after.
                var parts = new float[used][][];
                RunShares(used, errors, d =>
                {
                    var (start, count) = shareArray[d];
                    parts[d] = [.. perImage.Select(e => new float[count * e])];
                    _lanes[d].Run(new ReadOnlySpan<float>((float*)inputAddress + start * image, checked((int)(count * image))), count, sized,
                        outputs, new RunOutputs(parts[d]));
                });
                if (FirstFailure(errors, shareArray) is null)
                {
                    long offset = 0;
                    for (int i = 0; i < outputs.Count; i++)
                    {
                        var slot = destination.Slot(i, offset, n * perImage[i]);
                        for (int d = 0; d < used; d++) parts[d][i].CopyTo(slot[checked((int)(shareArray[d].Start * perImage[i]))..]);
                        offset += n * perImage[i];
                    }
                }
            }
        }
        if (FirstFailure(errors, shareArray) is { } failure) throw failure;
    }

    /// <summary>Starts device <paramref name="device"/>'s part of a stream (its pipeline, on an ILGPU device).</summary>
    public StreamLane BeginStream(int device) => new(_lanes[device]);

    /// <summary>Submits a stream's batch of <paramref name="n"/> images to <paramref name="device"/>: refused first when
    /// over the device's budget (<see cref="ArenaMemoryException"/>), a failure there a <see cref="DeviceFailureException"/>
    /// when the network has several devices. Returns its collection (see <see cref="StreamLane.Submit"/>).</summary>
    public Action<float[][]> Submit(StreamLane stream, int device, float[] input, int n, NetworkGraph sized, int[] outputs)
    {
        CheckBudget(device, n, n, sized, outputs);
        try
        {
            BeforeShare?.Invoke(device);
            return stream.Submit(input, n, sized, outputs);
        }
        catch (Exception e) when (WrapsStreamFailure(e)) { throw StreamFailure(device, n, e); }
    }

    /// <summary>Whether a stream's error on a device is reported as that device's failure: over several devices, any
    /// error but the memory limit and a disposed network.</summary>
    public bool WrapsStreamFailure(Exception e) =>
        _lanes.Length > 1 && e is not (ArenaMemoryException or ObjectDisposedException or DeviceFailureException);

    /// <summary>A stream's batch of <paramref name="n"/> images failed on <paramref name="device"/>.</summary>
    public DeviceFailureException StreamFailure(int device, int n, Exception e) => Failure(device, (0, n), e, whole: true);

    /// <summary>Runs <paramref name="body"/> for devices 0..<paramref name="used"/>-1 at once (one after another while
    /// profiling, so each op's time is its own), recording each device's error.</summary>
    void RunShares(int used, Exception?[] errors, Action<int> body)
    {
        void One(int d)
        {
            try
            {
                BeforeShare?.Invoke(d);
                body(d);
            }
            catch (Exception e) { errors[d] = e; }
        }
        if (used == 1 || _profile is not null) for (int d = 0; d < used; d++) One(d);
        else Parallel.For(0, used, One);
    }

    DeviceFailureException? FirstFailure(Exception?[] errors, (int Start, int Count)[] shares)
    {
        for (int d = 0; d < errors.Length; d++)
            if (errors[d] is { } e) return Failure(d, shares[d], e, whole: false);
        return null;
    }

    DeviceFailureException Failure(int d, (int Start, int Count) share, Exception e, bool whole) => new(
        $"device {d} of {_lanes.Length} ({_devices[d].Kind.ToName()}) failed running " +
        (whole ? $"a batch of {share.Count} image{(share.Count == 1 ? "" : "s")}" : $"images {share.Start}..{share.Start + share.Count - 1} of the batch") +
        $": {e.Message}", d, e);

    /// <summary>Shares of <paramref name="n"/> images in device order, the first <c>n % devices</c> one image larger;
    /// returns how many devices get one (fewer than all when n is smaller).</summary>
    internal static int Split(int n, Span<(int Start, int Count)> shares)
    {
        int devices = shares.Length, used = Math.Min(n, devices), start = 0;
        for (int d = 0; d < used; d++)
        {
            int count = n / devices + (d < n % devices ? 1 : 0);
            shares[d] = (start, count);
            start += count;
        }
        return used;
    }

    /// <summary>Refuses, before anything is allocated or launched, a share of <paramref name="count"/> images (of a batch of
    /// <paramref name="batch"/>) whose arena is over device <paramref name="d"/>'s budget, naming the largest batch the
    /// whole network then runs.</summary>
    void CheckBudget(int d, int count, int batch, NetworkGraph sized, IReadOnlyList<int> outputs)
    {
        var budget = _budgets[d];
        if (!budget.IsLimited) return;
        var plan = _recent.Find(sized, count, outputs) ?? _recent.Add(sized, count, outputs, _plans.Get(sized, count, outputs));
        long held = Math.Max(0, _lanes[d].AllocatedBytes - budget.WeightBytes);
        if (budget.Exceeded(plan.ArenaBytes, held) is not { } limit) return;
        int fits = ArenaBudget.LargestBatch(plan, limit.Bytes);
        int networkMax = _lanes.Length == 1 ? fits : LargestSplit(sized, outputs, d, fits, limit.Bytes);
        string device = _lanes.Length == 1 ? $"this device ({_devices[d].Kind.ToName()})" : $"device {d} of {_lanes.Length} ({_devices[d].Kind.ToName()}, {count} of the {batch} images)";
        throw ArenaMemoryException.Over(plan, batch, networkMax, limit.Why, device,
            "raise the limit (ShuffleNet.MaxArenaBytes, ShuffleNet.DeviceMemoryLimitBytes)");
    }

    /// <summary>The largest batch whose even split fits every device, device <paramref name="d"/> taking at most
    /// <paramref name="fitsOnD"/> images and the others at most what fits their own budgets.</summary>
    int LargestSplit(NetworkGraph sized, IReadOnlyList<int> outputs, int d, int fitsOnD, long limitOnD)
    {
        var fits = new int[_lanes.Length];
        for (int i = 0; i < fits.Length; i++)
        {
            if (i == d) { fits[i] = fitsOnD; continue; }
            var plan = _plans.Get(sized, 1, outputs);
            long held = Math.Max(0, _lanes[i].AllocatedBytes - _budgets[i].WeightBytes);
            // Another device's own limit for a share as large as d's largest: search only when it would bind there too.
            var one = _budgets[i].Exceeded(long.MaxValue, held);
            fits[i] = one is { } l ? ArenaBudget.LargestBatch(plan, l.Bytes) : int.MaxValue;
        }
        // Shares differ by at most one and the larger ones come first, so the largest batch is fixed by the smallest fit.
        int best = 0;
        Span<(int, int)> shares = stackalloc (int, int)[fits.Length];
        int smallest = fits.Min();
        for (long n = (long)smallest * fits.Length + fits.Length; n >= 1; n--)
        {
            if (n > int.MaxValue) continue;
            int used = Split((int)n, shares);
            bool ok = true;
            for (int i = 0; i < used && ok; i++) ok = shares[i].Item2 <= fits[i];
            if (ok) { best = (int)n; break; }
        }
        return best;
    }

    public TimeSpan[] TimeResident(float[] input, int n, NetworkGraph sized, int runs)
    {
        if (_lanes.Length == 1)
        {
            CheckBudget(0, n, n, sized, [sized.OutputTensor]);
            return _lanes[0].TimeResident(input, n, sized, runs);
        }
        var shares = new (int Start, int Count)[_lanes.Length];
        int used = Split(n, shares);
        for (int d = 0; d < used; d++) CheckBudget(d, shares[d].Count, n, sized, [sized.OutputTensor]);
        long image = sized.Tensors[NetworkGraph.InputTensor].ElementsPerImage;
        var times = new TimeSpan[used][];
        var errors = new Exception?[used];
        RunShares(used, errors, d => times[d] = _lanes[d].TimeResident(
            input.AsSpan(checked((int)(shares[d].Start * image)), checked((int)(shares[d].Count * image))).ToArray(), shares[d].Count, sized, runs));
        if (FirstFailure(errors, shares[..used]) is { } failure) throw failure;
        // The devices run together: a pass takes as long as its slowest share.
        return [.. Enumerable.Range(0, runs).Select(r => times.Max(t => t[r]))];
    }

    public void Dispose()
    {
        foreach (var l in _lanes) l.Dispose();
    }

    /// <summary>The last few plans by reference (graph, batch, output list), so a repeated call finds its plan without
    /// building a key (the cpu backend's span API allocates nothing once warm).</summary>
    sealed class RecentPlans
    {
        readonly (NetworkGraph? Graph, int Batch, IReadOnlyList<int>? Outputs, MemoryPlan? Plan)[] _entries = new (NetworkGraph?, int, IReadOnlyList<int>?, MemoryPlan?)[8];
        int _next;

        public MemoryPlan? Find(NetworkGraph graph, int batch, IReadOnlyList<int> outputs)
        {
            foreach (var e in _entries)
                if (ReferenceEquals(e.Graph, graph) && e.Batch == batch && ReferenceEquals(e.Outputs, outputs)) return e.Plan;
            return null;
        }

        public MemoryPlan Add(NetworkGraph graph, int batch, IReadOnlyList<int> outputs, MemoryPlan plan)
        {
            _entries[_next] = (graph, batch, outputs, plan);
            _next = (_next + 1) % _entries.Length;
            return plan;
        }
    }
}
