using System.Diagnostics;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Tests.Runtime.Backends;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>
/// Many callers on one network, and several networks at once, on any backend: every call gives exactly the bits of a serial call.
/// <see cref="ShuffleNet"/> serialises the calls on one network (one at a time, each using the whole worker pool on
/// cpu); different networks run in parallel. Each test keeps to the tiny fixtures and a few seconds.
/// </summary>
public abstract class ConcurrencyHarness(ITestOutputHelper log)
{
    /// <summary>The batch sizes of the cpu tests; the ILGPU accelerators (seconds a run under PoCL on 2 cores) take 1 and 3.</summary>
    static readonly int[] BatchSizes = [1, 3, 8];
    protected static readonly int[] IlgpuBatchSizes = [1, 3];
    /// <summary>One image a call: four networks on an ILGPU backend.</summary>
    protected static readonly int[] SingleImage = [1];

    /// <summary>What one call returns, flattened: logits, a layer, all four stage maps or the embeddings.</summary>
    enum Call { Run, RunLayer, Features, Embed }

    const string Layer = "features.1";

    static float[] Invoke(ShuffleNet net, Call call, float[] input) => call switch
    {
        Call.Run => net.Run(input),
        Call.RunLayer => net.RunLayer(input, Layer).Data,
        Call.Features => [.. net.Features(input).All.SelectMany(m => m.Data)],
        _ => net.Embed(input),
    };

    /// <summary>One network and its callers: each caller's calls drawn up front, the serial result of every distinct
    /// (call, batch size) among them, then <paramref name="threads"/> threads making <paramref name="calls"/> calls each,
    /// all of them compared bit for bit. Only the drawn pairs run serially: on the ILGPU CPU accelerator a call takes
    /// seconds.</summary>
    sealed class Load(ShuffleNet net, int threads, int calls, int seed, int[] batchSizes, Call[] kinds)
    {
        readonly Dictionary<(Call, int), float[]> _serial = [];
        readonly Dictionary<int, float[]> _inputs = [];
        readonly (Call Call, int N)[][] _plan = [.. Enumerable.Range(0, threads).Select(t =>
        {
            var random = new Random(seed * 100 + t);
            return Enumerable.Range(0, calls).Select(i => (kinds[(t + i) % kinds.Length], batchSizes[random.Next(batchSizes.Length)])).ToArray();
        })];

        public ShuffleNet Net => net;

        public void RunSerially(TinyCase tiny)
        {
            foreach (var (call, n) in _plan.SelectMany(p => p).Distinct().OrderBy(p => p.N).ThenBy(p => p.Call))
            {
                if (!_inputs.ContainsKey(n)) _inputs[n] = TinyBatches.Of(tiny, n);
                _serial[(call, n)] = Invoke(net, call, _inputs[n]);
            }
        }

        /// <summary>The callers' threads, started at <paramref name="start"/>; each records its first mismatch.</summary>
        public IEnumerable<Thread> Callers(Barrier start, List<string> failures) => Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < calls; i++)
            {
                var (call, n) = _plan[t][i];
                try
                {
                    var result = Invoke(net, call, _inputs[n]);
                    if (!result.AsSpan().SequenceEqual(_serial[(call, n)]))
                    {
                        lock (failures) failures.Add($"{net.Config.Family} thread {t} call {i}: {call} of batch {n} differs from the serial run");
                        return;
                    }
                }
                catch (Exception e)
                {
                    lock (failures) failures.Add($"{net.Config.Family} thread {t} call {i}: {call} of batch {n} threw {e}");
                    return;
                }
            }
        }) { IsBackground = true });
    }

    /// <summary>Runs every load's callers at once and fails on any mismatch (or a caller still running after 10 minutes).</summary>
    void RunTogether(IReadOnlyList<Load> loads)
    {
        var failures = new List<string>();
        int total = 0;
        var threads = new List<Thread>();
        var start = new Barrier(0);
        foreach (var load in loads) threads.AddRange(load.Callers(start, failures));
        start.AddParticipants(threads.Count);
        total = threads.Count;
        var watch = Stopwatch.StartNew();
        foreach (var t in threads) t.Start();
        // A watchdog, not a speed bound: generous because a shared 2-core machine can be many times slower than a quiet one.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        foreach (var t in threads)
            Assert.True(t.Join(TimeSpan.FromTicks(Math.Max(0, (deadline - DateTime.UtcNow).Ticks))), $"{t.ManagedThreadId}: a caller still runs after 10 minutes");
        log.WriteLine($"{total} callers on {loads.Count} network(s): {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    protected void ManyCallersOnOneNetwork(BackendKind backend, int calls, int[]? batchSizes = null, int threads = 8)
    {
        var tiny = Fixtures.Load("tiny-shufflenetv2");
        using var net = ShuffleNet.FromWeights(tiny.Weights, backend, 2);
        var load = new Load(net, threads, calls, seed: 1, batchSizes ?? BatchSizes, Enum.GetValues<Call>());
        load.RunSerially(tiny);
        RunTogether([load]);
    }

    /// <summary>Four models, each with its callers; <paramref name="logitsOnly"/> keeps to <see cref="ShuffleNet.Run(float[])"/>
    /// (the ILGPU backends take seconds an image).</summary>
    protected void FourNetworksAtOnce(BackendKind backend, int calls, int[]? batchSizes = null, bool logitsOnly = false, int callersEach = 2)
    {
        Call[] kinds = logitsOnly ? [Call.Run] : Enum.GetValues<Call>();
        string[] ids = ["tiny-shufflenetv1-g3", "tiny-shufflenetv2", "tiny-shufflenetv2plus", "tiny-oneshot"];
        var loads = new List<Load>();
        try
        {
            for (int i = 0; i < ids.Length; i++)
            {
                var tiny = Fixtures.Load(ids[i]);
                var load = new Load(ShuffleNet.FromWeights(tiny.Weights, backend, 2), callersEach, calls, seed: i + 2, batchSizes ?? BatchSizes, kinds);
                loads.Add(load);
                load.RunSerially(tiny);
            }
            RunTogether(loads);
        }
        finally
        {
            foreach (var load in loads) load.Net.Dispose();
        }
    }

}

/// <summary>The cpu and ilgpu-cpu backends (the ILGPU CPU accelerator takes seconds a call on 2 cores: fewer callers,
/// still more than one at a time on every network).</summary>
public class ConcurrencyTests(ITestOutputHelper log) : ConcurrencyHarness(log)
{
    [Fact]
    public void EightCallersOnOneCpuNetworkGetTheSerialBits() => ManyCallersOnOneNetwork(BackendKind.Cpu, calls: 24);

    [Fact]
    public void FourCpuNetworksWithTheirCallersGetTheSerialBits() => FourNetworksAtOnce(BackendKind.Cpu, calls: 24);

    [Fact]
    public void FourCallersOnOneIlgpuCpuNetworkGetTheSerialBits() => ManyCallersOnOneNetwork(BackendKind.IlgpuCpu, calls: 1, IlgpuBatchSizes, threads: 4);

    [Fact]
    public void FourIlgpuCpuNetworksWithTheirCallersGetTheSerialBits() =>
        FourNetworksAtOnce(BackendKind.IlgpuCpu, calls: 1, SingleImage, logitsOnly: true, callersEach: 1);
}

/// <summary>The same on PoCL (or any OpenCL device); skipped without OpenCL unless <c>SHUFFLENET_REQUIRE_OPENCL=1</c>.
/// One network in CI: four networks on PoCL take ~5 minutes on 2 cores (each model's kernels compiled by PoCL), so that
/// test runs only with <c>SHUFFLENET_LONG_TESTS=1</c> (scripts/long-tests.sh).</summary>
public class OpenCLConcurrencyTests(ITestOutputHelper log) : ConcurrencyHarness(log)
{
    [OpenCLFact]
    public void EightCallersOnOneOpenCLNetworkGetTheSerialBits()
    {
        OpenCLEnvironment.AssertPresent();
        ManyCallersOnOneNetwork(BackendKind.OpenCL, calls: 1, IlgpuBatchSizes);
    }

    [LongOpenCLFact]
    public void FourOpenCLNetworksWithTheirCallersGetTheSerialBits()
    {
        OpenCLEnvironment.AssertPresent();
        FourNetworksAtOnce(BackendKind.OpenCL, calls: 1, SingleImage, logitsOnly: true);
    }
}
