using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ShuffleNetGpu.Bench.Peers;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Bench;

/// <summary>
/// One engine alone in this process: <c>alone --engine cpu|ort --model M --batch N [--runs 50] [--warmup 30]
/// [--warmup-seconds 1] [--threads 2] [--out FILE] [--series] [--ort-profile PREFIX]</c>. The warm-up runs at least that many runs and that
/// long: .NET recompiles hot methods in the background (tiered compilation) during the first second or so, which
/// took a core from the engine's two threads and left some methods unoptimised until then (issue 14). Generated weights (seed 0) and <see cref="BenchInputs"/> input, so the
/// two engines' logits compare. scripts/cpu-vs-ort.sh runs one such process per engine, model, batch and round, so
/// neither engine's spinning threads share the cores with the other's (issue 14). Writes the per-run latencies, the
/// garbage collections, page faults and involuntary context switches during the timed runs, and the logits to FILE
/// (<see cref="AloneResult"/>); <c>--series</c> also prints every run's latency in order; <c>--ort-profile</c> has ORT
/// record each node's time (PREFIX_DATE.json; <c>scripts/ort-profile.py</c> sums them per op kind and map size, to set
/// beside <c>shufflenet run --profile --profile-passes</c>).
/// </summary>
public static class EngineAlone
{
    public static int Run(string[] args)
    {
        string engine = "cpu", model = "shufflenetv2-1.0x";
        string? output = null, ortProfile = null;
        int batch = 1, runs = 50, warmup = 30, threads = 2;
        double warmupSeconds = 1;
        bool series = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--engine": engine = args[++i]; break;
                case "--model": model = args[++i]; break;
                case "--batch": batch = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--warmup-seconds": warmupSeconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": output = args[++i]; break;
                case "--series": series = true; break;
                case "--ort-profile": ortProfile = args[++i]; break;
                default: throw new ArgumentException($"alone: unknown argument '{args[i]}'");
            }
        }
        if (engine is not ("cpu" or "ort")) throw new ArgumentException($"alone: --engine must be cpu or ort, not '{engine}'");
        if (runs < 1 || batch < 1 || threads < 1 || warmup < 0) throw new ArgumentException("alone: --runs, --batch and --threads must be at least 1, --warmup at least 0");

        var weights = WeightGenerator.Generate(ModelZoo.Get(model));
        var input = new float[batch * ShuffleNet.ImageElements];
        BenchInputs.Fill(input);
        var logits = new float[batch * weights.Graph.Output.Channels];
        Action run;
        IDisposable engineObject;
        string description;
        if (engine == "cpu")
        {
            var net = ShuffleNet.FromWeights(weights, BackendKind.Cpu, threads);
            run = () => net.Run(input, logits);
            engineObject = net;
            description = net.DeviceDescription;
        }
        else
        {
            var ort = new OnnxRuntimePeer(weights, batch, threads, ortProfile);
            input.CopyTo(ort.Input);
            run = () => { ort.Run(); ort.Logits.CopyTo(logits); };
            engineObject = ort;
            description = $"ONNX Runtime {OnnxRuntimePeer.Version}, defaults + IntraOpNumThreads {threads}";
        }
        using (engineObject)
        {
            var times = new double[runs];
            var faults = new long[runs];
            var switches = new long[runs];
            // The warm-up runs the same loop body as the timed runs, so the measuring code is compiled and tiered up too.
            void Timed(int i)
            {
                var u0 = Usage.Now();
                long start = Stopwatch.GetTimestamp();
                run();
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                var u1 = Usage.Now();
                faults[i] = u1.MinorFaults - u0.MinorFaults;
                switches[i] = u1.InvoluntarySwitches - u0.InvoluntarySwitches;
            }
            var warming = Stopwatch.StartNew();
            for (int i = 0; i < warmup || warming.Elapsed.TotalSeconds < warmupSeconds; i++) Timed(0);
            int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
            long allocated = GC.GetTotalAllocatedBytes(true);
            long jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
            var jitTime = System.Runtime.JitInfo.GetCompilationTime();
            var before = Usage.Now();
            for (int i = 0; i < runs; i++) Timed(i);
            var after = Usage.Now();
            var result = new AloneResult(engine, model, batch, threads, description, times,
                [GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2],
                GC.GetTotalAllocatedBytes(true) - allocated, after.MinorFaults - before.MinorFaults,
                after.InvoluntarySwitches - before.InvoluntarySwitches,
                System.Runtime.JitInfo.GetCompiledMethodCount() - jitted, (System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds, logits);
            if (output is not null) result.Save(output);
            Console.WriteLine(result.Summary());
            if (series)
            {
                Console.WriteLine("run  ms  minor-faults  involuntary-switches");
                for (int i = 0; i < runs; i++)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i} {times[i]:F3} {faults[i]} {switches[i]}"));
            }
        }
        return 0;
    }

    /// <summary>This process's minor page faults and involuntary context switches (getrusage; zero off Linux).</summary>
    readonly record struct Usage(long MinorFaults, long InvoluntarySwitches)
    {
        public static Usage Now()
        {
            if (!OperatingSystem.IsLinux()) return default;
            Span<long> u = stackalloc long[18];   // struct rusage: two timevals, then 14 longs
            unsafe
            {
                fixed (long* p = u)
                    if (GetRUsage(0, p) != 0) return default;
            }
            return new Usage(u[8], u[17]);   // ru_minflt, ru_nivcsw
        }

        [DllImport("libc", EntryPoint = "getrusage")]
        static extern unsafe int GetRUsage(int who, long* usage);
    }
}

/// <summary>What one <see cref="EngineAlone"/> process measured, as a small text file (key=value lines).</summary>
public sealed record AloneResult(string Engine, string Model, int Batch, int Threads, string Description, double[] TimesMs,
    int[] Collections, long AllocatedBytes, long MinorFaults, long InvoluntarySwitches, long JitMethods, double JitMs, float[] Logits)
{
    public double Median => Percentile(TimesMs, 0.5);
    public double P90 => Percentile(TimesMs, 0.9);
    public double Min => TimesMs.Min();

    /// <summary>The <paramref name="q"/> quantile by linear interpolation between order statistics.</summary>
    public static double Percentile(IEnumerable<double> values, double q)
    {
        var s = values.Order().ToArray();
        double at = q * (s.Length - 1);
        int lo = (int)Math.Floor(at), hi = Math.Min(lo + 1, s.Length - 1);
        return s[lo] + (s[hi] - s[lo]) * (at - lo);
    }

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Engine} {Model} batch {Batch}, {Threads} threads ({Description}): {Batch * 1000 / Median:F1} img/s, p50 {Median:F2} ms, p90 {P90:F2} ms, min {Min:F2} ms over {TimesMs.Length} runs; " +
        $"GCs {Collections[0]}/{Collections[1]}/{Collections[2]}, {AllocatedBytes} bytes allocated, {MinorFaults} minor faults, {InvoluntarySwitches} involuntary switches, {JitMethods} methods jitted ({JitMs:F0} ms)");

    public void Save(string path)
    {
        var bytes = MemoryMarshal.AsBytes(Logits.AsSpan()).ToArray();
        File.WriteAllLines(path,
        [
            $"engine={Engine}", $"model={Model}", $"batch={Batch}", $"threads={Threads}", $"description={Description}",
            "times_ms=" + string.Join(' ', TimesMs.Select(t => t.ToString("R", CultureInfo.InvariantCulture))),
            "collections=" + string.Join(' ', Collections), $"allocated_bytes={AllocatedBytes}", $"minor_faults={MinorFaults}",
            $"involuntary_switches={InvoluntarySwitches}", $"jit_methods={JitMethods}", string.Create(CultureInfo.InvariantCulture, $"jit_ms={JitMs:R}"), "logits=" + Convert.ToBase64String(bytes),
        ]);
    }

    public static AloneResult Load(string path)
    {
        var f = File.ReadAllLines(path).Where(l => l.Contains('=')).ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);
        string Get(string key) => f.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"{path}: no '{key}=' line");
        var logits = MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(Get("logits"))).ToArray();
        return new AloneResult(Get("engine"), Get("model"), int.Parse(Get("batch"), CultureInfo.InvariantCulture),
            int.Parse(Get("threads"), CultureInfo.InvariantCulture), Get("description"),
            Get("times_ms").Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
            Get("collections").Split(' ').Select(int.Parse).ToArray(), long.Parse(Get("allocated_bytes"), CultureInfo.InvariantCulture),
            long.Parse(Get("minor_faults"), CultureInfo.InvariantCulture), long.Parse(Get("involuntary_switches"), CultureInfo.InvariantCulture),
            long.Parse(Get("jit_methods"), CultureInfo.InvariantCulture), double.Parse(Get("jit_ms"), CultureInfo.InvariantCulture), logits);
    }
}
