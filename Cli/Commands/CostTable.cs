using System.Text.Json.Nodes;
using ShuffleNetGpu.Runtime.Cost;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary><c>info --cost</c>: the cost model of a forward pass as a per-op table or JSON.</summary>
static class CostTable
{
    public static JsonObject ToJson(ModelCost cost) => new()
    {
        ["batch"] = cost.Batch,
        ["kernels"] = cost.Kernels,
        ["kernels_unfused"] = cost.UnfusedKernels,
        ["macs"] = cost.Macs,
        ["bytes"] = cost.Bytes,
        ["device"] = "H100 (67 TFLOP/s fp32 FMA, 3.35 TB/s)",
        ["launch_overhead_us"] = H100.LaunchSeconds * 1e6,
        ["roofline_us"] = cost.RooflineSeconds * 1e6,
        ["launch_us"] = cost.LaunchSeconds * 1e6,
        ["bound_us"] = cost.BoundSeconds * 1e6,
        ["ops"] = new JsonArray(cost.Ops.Select(o => (JsonNode?)new JsonObject
        {
            ["index"] = o.Index,
            ["name"] = o.Name,
            ["kernel"] = o.Kernel,
            ["macs"] = o.Macs,
            ["bytes_read"] = o.BytesRead,
            ["bytes_written"] = o.BytesWritten,
            ["kernel_bytes"] = o.KernelBytes,
            ["bound_us"] = o.BoundSeconds * 1e6,
            ["bound_by"] = o.MemoryBound ? "memory" : "compute",
        }).ToArray()),
    };

    /// <summary>Writes the table from <see cref="ToJson"/>'s object (one source for both outputs).</summary>
    public static void Write(TextWriter output, JsonObject cost)
    {
        output.WriteLine($"  cost at batch {cost["batch"]}, lower bound on an {cost["device"]}, {(double)cost["launch_overhead_us"]!:F0} us per kernel launch assumed:");
        output.WriteLine($"  {"#",4}  {"op",-34} {"kernel",-16} {"MMACs",12} {"MB read",10} {"MB written",10} {"bound us",10}  by");
        foreach (var o in cost["ops"]!.AsArray().Select(x => x!.AsObject()))
            output.WriteLine($"  {(int)o["index"]!,4}  {Clip((string)o["name"]!, 34),-34} {(string)o["kernel"]!,-16} {(long)o["macs"]! / 1e6,12:F2} " +
                             $"{(long)o["bytes_read"]! / 1e6,10:F3} {(long)o["bytes_written"]! / 1e6,10:F3} {(double)o["bound_us"]!,10:F2}  {o["bound_by"]}");
        double bound = (double)cost["bound_us"]!;
        output.WriteLine($"  total: {cost["kernels"]} kernels, {(long)cost["macs"]! / 1e9:F3} GMACs, {(long)cost["bytes"]! / 1e6:F1} MB moved; " +
                         $"bound {bound / 1e3:F3} ms = roofline {(double)cost["roofline_us"]! / 1e3:F3} ms + launches {(double)cost["launch_us"]! / 1e3:F3} ms " +
                         $"({(int)cost["batch"]! / (bound * 1e-6):N0} images/s at most)");
    }

    private static string Clip(string s, int n) => s.Length <= n ? s : "…" + s[^(n - 1)..];
}
