using System.Text.Json.Nodes;
using Spectre.Console;
using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>One row of <c>info --layers</c>: an upstream module (<c>first_conv</c>, <c>features.3</c>, <c>fc</c>) and
/// the graph ops that compute it.</summary>
sealed record LayerRow(string Stage, string Block, string Kind, TensorInfo Output, long Parameters, long Macs, IReadOnlyList<GraphOp> Ops);

/// <summary>
/// A per-block model summary like torchinfo's, read off the graph: each top-level module or block of the upstream
/// model (the graph's named tensors, innermost name first) with its stage, kind, output shape, parameters and
/// multiply-adds. The rows partition the graph's ops, so the totals are the graph's own counts.
/// </summary>
static class LayerTable
{
    public static List<LayerRow> Rows(NetworkGraph graph)
    {
        // A tensor's first name is its innermost module (a block is named before the stage and 'features' around it).
        var nameOf = new Dictionary<int, string>();
        foreach (var (name, tensor) in graph.NamedTensors) nameOf.TryAdd(tensor, name);
        var lastWriter = new Dictionary<int, int>();
        for (int i = 0; i < graph.Ops.Count; i++) lastWriter[graph.Ops[i].Output.Tensor] = i;

        var rows = new List<LayerRow>();
        var pending = new List<GraphOp>();
        int stage = 0;
        for (int i = 0; i < graph.Ops.Count; i++)
        {
            var op = graph.Ops[i];
            pending.Add(op);
            int tensor = op.Output.Tensor;
            bool last = i == graph.Ops.Count - 1;
            if (!last && (lastWriter[tensor] != i || !nameOf.ContainsKey(tensor))) continue;
            string stageName = stage == 0 ? "stem" : stage <= graph.StageEnds.Count - 1 ? stage.ToString() : "head";
            rows.Add(new LayerRow(stageName, nameOf.GetValueOrDefault(tensor, "output"), Kind(pending), graph.Tensors[tensor],
                pending.Sum(NetworkGraph.ParametersOf), pending.Sum(o => o.Macs(graph)), pending.ToList()));
            pending.Clear();
            if (stage < graph.StageEnds.Count && graph.StageEnds[stage] == tensor) stage++;
        }
        return rows;
    }

    /// <summary>What a block is, from its ops: a single layer by its type, a shuffle unit by its depthwise kernels,
    /// stride and squeeze-excitation.</summary>
    static string Kind(IReadOnlyList<GraphOp> ops)
    {
        if (ops.Count == 1)
            return ops[0] switch
            {
                ConvOp c => $"conv {c.Kernel}x{c.Kernel}{(c.Stride > 1 ? $" s{c.Stride}" : "")}{(c.Groups > 1 ? $" g{c.Groups}" : "")}",
                PoolOp { Kind: PoolKind.Max3x3S2 } => "max pool 3x3 s2",
                PoolOp { Kind: PoolKind.Avg3x3S2 } => "avg pool 3x3 s2",
                PoolOp => "global avg pool",
                LinearOp => "linear",
                _ => ops[0].GetType().Name.Replace("Op", "").ToLowerInvariant(),
            };
        var convs = ops.OfType<ConvOp>().ToList();
        var depthwise = convs.Where(c => c.IsDepthwise).ToList();
        int stride = convs.Select(c => c.Stride).DefaultIfEmpty(1).Max();
        int groups = convs.Where(c => !c.IsDepthwise).Select(c => c.Groups).DefaultIfEmpty(1).Max();
        string kernels = string.Join("+", depthwise.Select(c => $"{c.Kernel}x{c.Kernel}"));
        string kind = depthwise.Count > 0 ? $"shuffle unit dw {kernels}"
            : convs.Count > 0 ? $"{convs.Count} convs"
            : ops.OfType<ScaleOp>().Any() ? "squeeze-excitation" : $"{ops.OfType<LinearOp>().Count()} linear";
        if (ops.OfType<PoolOp>().Any(p => p.Kind != PoolKind.GlobalAverage)) kind += " +pool";
        if (groups > 1) kind += $" g{groups}";
        if (stride > 1) kind += $" s{stride}";
        if (ops.OfType<ScaleOp>().Any() && convs.Count > 0) kind += " +SE";
        return kind;
    }

    /// <summary>The text table of <see cref="ToJson"/>'s rows, with a total row.</summary>
    public static Table ToTable(JsonArray rows)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("stage", "block", "kind", "output", "parameters", "multiply-adds");
        foreach (var r in rows)
            table.AddRow(Markup.Escape((string)r!["stage"]!), Markup.Escape((string)r["block"]!), Markup.Escape((string)r["kind"]!),
                string.Join("x", r["output"]!.AsArray().Select(d => (int)d!)), ((long)r["params"]!).ToString("N0"), ((long)r["macs"]!).ToString("N0"));
        table.AddRow("", "total", "", "", rows.Sum(r => (long)r!["params"]!).ToString("N0"), rows.Sum(r => (long)r!["macs"]!).ToString("N0"));
        table.Columns[4].RightAligned();
        table.Columns[5].RightAligned();
        return table;
    }

    public static JsonArray ToJson(IReadOnlyList<LayerRow> rows) => new(rows.Select(r => (JsonNode)new JsonObject
    {
        ["stage"] = r.Stage, ["block"] = r.Block, ["kind"] = r.Kind,
        ["output"] = new JsonArray(r.Output.Channels, r.Output.Height, r.Output.Width),
        ["params"] = r.Parameters, ["macs"] = r.Macs,
    }).ToArray());
}
