using System.Globalization;
using ShuffleNetGpu.Runtime.Verification;

namespace ShuffleNetGpu.Bench;

/// <summary>
/// The table of scripts/cpu-vs-ort.sh: <c>alone-table DIR</c> reads every <see cref="AloneResult"/> file in DIR (one per
/// engine, model, batch and round, each measured in its own process; rows in the files' name order) and prints, per model and batch, images/s from the
/// best round's median (the least disturbed round), the ratio of ours to ONNX Runtime's, the ratio in each round
/// (rounds are paired by their order), p50, p90 and min latency over every timed run of every round, and how far the
/// two engines' logits are apart.
/// </summary>
public static class AloneTable
{
    public static int Run(string[] args)
    {
        if (args.Length != 1 || !Directory.Exists(args[0])) throw new ArgumentException("alone-table: give the folder of result files");
        var results = Directory.GetFiles(args[0], "*.result").Order(StringComparer.Ordinal).Select(AloneResult.Load).ToList();
        if (results.Count == 0) throw new ArgumentException($"alone-table: no .result files in {args[0]}");
        var inv = CultureInfo.InvariantCulture;
        var cpuAny = results.FirstOrDefault(r => r.Engine == "cpu");
        var ortAny = results.FirstOrDefault(r => r.Engine == "ort");
        Console.WriteLine($"ours: {cpuAny?.Description ?? "not run"}");
        Console.WriteLine($"ORT:  {ortAny?.Description ?? "not run"}");
        Console.WriteLine("img/s = batch / the best round's median latency; p50 p90 min in ms over every timed run of every round;");
        Console.WriteLine("per-round ratios pair each round's medians; rel. L2 = |ours - ORT| / |ORT| of the logits.");
        Console.WriteLine();
        Console.WriteLine($"| model | batch | ours img/s | ORT img/s | ratio | ratio per round | ours p50 / p90 / min | ORT p50 / p90 / min | ours p90/p50 | logits rel. L2 |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|---|---|---:|---:|");
        foreach (var group in results.GroupBy(r => (r.Model, r.Batch)))
        {
            var ours = group.Where(r => r.Engine == "cpu").ToList();
            var ort = group.Where(r => r.Engine == "ort").ToList();
            string Latency(List<AloneResult> rs)
            {
                if (rs.Count == 0) return "-";
                var all = rs.SelectMany(r => r.TimesMs).ToArray();
                return string.Create(inv, $"{AloneResult.Percentile(all, 0.5):F2} / {AloneResult.Percentile(all, 0.9):F2} / {all.Min():F2}");
            }
            double Rate(List<AloneResult> rs) => rs.Count == 0 ? double.NaN : group.Key.Batch * 1000 / rs.Min(r => r.Median);
            double oursRate = Rate(ours), ortRate = Rate(ort);
            var perRound = string.Join(" ", ours.Zip(ort, (a, b) => (b.Median / a.Median).ToString("F2", inv)));
            string spread = ours.Count == 0 ? "-" : (AloneResult.Percentile(ours.SelectMany(r => r.TimesMs), 0.9) /
                AloneResult.Percentile(ours.SelectMany(r => r.TimesMs), 0.5)).ToString("F2", inv);
            string error = ours.Count > 0 && ort.Count > 0 ? RelativeError.L2(ours[0].Logits, ort[0].Logits).ToString("0.0e+0", inv) : "-";
            Console.WriteLine(string.Create(inv,
                $"| {group.Key.Model} | {group.Key.Batch} | {oursRate:F0} | {ortRate:F0} | {oursRate / ortRate:F2} | {perRound} | {Latency(ours)} | {Latency(ort)} | {spread} | {error} |"));
        }
        Console.WriteLine();
        foreach (var engine in new[] { "cpu", "ort" })
        {
            var rs = results.Where(r => r.Engine == engine).ToList();
            if (rs.Count == 0) continue;
            Console.WriteLine(string.Create(inv,
                $"{(engine == "cpu" ? "ours" : "ORT ")} during the timed runs of {rs.Count} processes: GCs {rs.Sum(r => r.Collections[0])}/{rs.Sum(r => r.Collections[1])}/{rs.Sum(r => r.Collections[2])} (gen 0/1/2), " +
                $"{rs.Sum(r => r.AllocatedBytes)} bytes allocated, {rs.Sum(r => r.MinorFaults)} minor faults, {rs.Sum(r => r.InvoluntarySwitches)} involuntary context switches, " +
                $"{rs.Sum(r => r.JitMethods)} methods jitted ({rs.Sum(r => r.JitMs):F0} ms)"));
        }
        return 0;
    }
}
