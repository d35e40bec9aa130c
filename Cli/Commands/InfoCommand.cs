using System.CommandLine;
using ShuffleNetGpu.Cli.Options;
using System.Text.Json;
using System.Text.Json.Nodes;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;
using ShuffleNetGpu.Networks.Graph;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Cost;
using ShuffleNetGpu.Runtime.Execution;
using ShuffleNetGpu.Runtime.Planning;

namespace ShuffleNetGpu.Cli.Commands;

static class InfoCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Argument<string?>("model") { Description = "A zoo id, a converted .safetensors file or a checkpoint.", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Every released configuration." };
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var memory = new Option<bool>("--memory") { Description = "Also the memory plan of a forward pass on the ILGPU backends: arena, weights and peak bytes at --batch (the cpu backend reads the input in place, so its arena leaves the input out)." };
        var cost = new Option<bool>("--cost") { Description = "Also the cost model at --batch: per op multiply-adds, global bytes read and written, and a lower bound on an H100." };
        var batch = NumberOption.Create("--batch", "Batch size of the --memory plan and --cost.", defaultValue: 1, min: 1);
        var layers = new Option<bool>("--layers") { Description = "Also a table of every block: stage, block, kind, output shape, parameters and multiply-adds (totals as above)." };
        var size = SizeOption.Create("Also describe the network at this input height and width (e.g. 800x1216): C2..C5 shapes, the multiply-adds of what runs there (the logits where it classifies, else the backbone to C5), and --cost and --memory at that size.");
        var command = new Command("info", "Family, configuration, parameters and multiply-adds (per 224x224 image) of a model.") { model, all, json, memory, batch, layers, cost, size };
        command.SetAction(parse =>
        {
            string? name = parse.GetValue(model);
            bool asJson = parse.GetValue(json);
            if (parse.GetValue(all) == (name is not null))
                throw new UsageException("info: give either a MODEL or --all");
            int? planBatch = parse.GetValue(memory) ? parse.GetValue(batch) : null;
            bool withLayers = parse.GetValue(layers);
            int? costBatch = parse.GetValue(cost) ? parse.GetValue(batch) : null;
            var inputSize = parse.GetValue(size);
            var rows = parse.GetValue(all)
                ? ModelZoo.Ids.Select(id => Describe(id, ModelZoo.Get(id), planBatch, withLayers, costBatch, inputSize)).ToList()
                : [Describe(CandidateSpec.IsCandidate(name!) ? CandidateSpec.Parse(name!).Text : name!, ModelSource.Config(name!), planBatch, withLayers, costBatch, inputSize)];
            if (asJson)
            {
                JsonNode node = parse.GetValue(all) ? new JsonArray(rows.ToArray<JsonNode?>()) : rows[0];
                output.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                foreach (var r in rows)
                {
                    output.WriteLine($"{r["id"]}: {r["family"]}, {(long)r["params"]!:N0} parameters, {(long)r["macs"]!:N0} multiply-adds, config {r["config"]!.ToJsonString()}");
                    if (r["size"] is JsonObject at)
                        output.WriteLine($"  at {at["height"]}x{at["width"]}: {(long)at["macs"]!:N0} multiply-adds per image for the {(string)at["output"]! switch { "logits" => "logits", _ => "backbone to C5 (no logits at this size)" }}");
                    if (r["memory"] is JsonObject m)
                        output.WriteLine($"  memory at batch {m["batch"]}: peak {(long)m["peak_bytes"]! / 1e6:F2} MB = weights {(long)m["weight_bytes"]! / 1e6:F2} MB + " +
                                         $"activation arena {(long)m["arena_bytes"]! / 1e6:F2} MB (live bound {(long)m["live_peak_bytes"]! / 1e6:F2} MB; " +
                                         $"{(long)m["unplanned_bytes"]! / 1e6:F2} MB with one buffer per tensor), {m["ops"]} kernels per forward pass");
                    if (r["layers"] is JsonArray layerRows) TableWriter.Write(output, LayerTable.ToTable(layerRows));
                    if (r["cost_model"] is JsonObject c)
                        CostTable.Write(output, c);
                }
                if (rows.Count == 1)
                {
                    var stages = rows[0]["stages"]!.AsObject().Select(kv => $"{kv.Key.ToUpperInvariant()} {string.Join("x", kv.Value!.AsArray().Select(d => (int)d!))}");
                    output.WriteLine($"features: {string.Join(", ", stages)}; embedding {rows[0]["embedding"]}");
                }
            }
            return 0;
        });
        return command;
    }

    static JsonObject Describe(string id, ModelConfig config, int? planBatch, bool withLayers, int? costBatch, (int Height, int Width)? size)
    {
        var graph = GraphFactory.Build(config);
        // At another size: the shapes there, and what a run launches (the head only where it classifies).
        var sized = size is var (h, w) ? graph.AtInputSize(h, w) : graph;
        bool logits = sized.HeadPoolCoversMap;
        IReadOnlyList<int> outputs = logits ? [sized.OutputTensor] : [.. StageOutputs.All.Select(k => StageOutputs.Tensor(sized, k))];
        var row = new JsonObject
        {
            ["id"] = id,
            ["family"] = ModelWeights.JsonFamilyName(config.Family),
            ["params"] = graph.Parameters,
            ["aux_params"] = ModelZoo.AuxiliaryParameters(id),
            ["macs"] = graph.Macs,
            ["stages"] = new JsonObject(StageOutputs.All.Select(k =>
            {
                var t = sized.Tensors[StageOutputs.Tensor(sized, k)];
                return KeyValuePair.Create<string, JsonNode?>($"c{k}", new JsonArray(t.Channels, t.Height, t.Width));
            })),
            ["embedding"] = graph.Tensors[StageOutputs.EmbeddingTensor(graph)].Channels,
            ["config"] = JsonNode.Parse(config.ToJson()),
        };
        if (size is not null)
            row["size"] = new JsonObject
            {
                ["height"] = sized.InputHeight, ["width"] = sized.InputWidth, ["output"] = logits ? "logits" : "backbone",
                ["macs"] = ModelCost.Of(sized, 1, outputs).Macs,
            };
        if (withLayers) row["layers"] = LayerTable.ToJson(LayerTable.Rows(graph));
        if (costBatch is int b)
            row["cost_model"] = CostTable.ToJson(size is null ? ModelCost.Of(graph, b) : ModelCost.Of(sized, b, outputs));
        if (planBatch is int n)
        {
            var plan = MemoryPlanner.Plan(sized, n, outputs);
            long weights = DeviceWeights.Bytes(graph);   // as the ILGPU backends hold them (1x1 weights packed)
            row["memory"] = new JsonObject
            {
                ["batch"] = n,
                ["weight_bytes"] = weights,
                ["arena_bytes"] = plan.ArenaBytes,
                ["peak_bytes"] = weights + plan.ArenaBytes,
                ["live_peak_bytes"] = plan.PeakLiveElements * sizeof(float),
                ["unplanned_bytes"] = (size is null ? graph.Tensors.Sum(t => n * t.ElementsPerImage)
                    : plan.Ops.Select(o => o.Output.Tensor).Append(NetworkGraph.InputTensor).Distinct().Sum(t => n * sized.Tensors[t].ElementsPerImage)) * sizeof(float),
                ["ops"] = plan.Ops.Count,
            };
        }
        return row;
    }
}
