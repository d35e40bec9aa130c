using System.Text.Json.Nodes;
using Spectre.Console;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>One class folder of an evaluation: its class index and, for ImageNet-1k models, its WordNet id.</summary>
sealed record EvalClass(int Index, string Folder, string Label, string? Synset);

/// <summary>
/// What <c>eval</c> counts: top-1/top-5 overall and per class folder, each image's top-1 prediction (for the
/// misclassified list and the confusion matrix) and the unreadable files; printed as text with a per-class table, or
/// as one JSON object.
/// </summary>
sealed class EvalTally(IReadOnlyList<EvalClass> classes, Func<int, string> labelOf)
{
    readonly Dictionary<int, (int Images, int Top1, int Top5)> _perClass = classes.ToDictionary(c => c.Index, _ => (0, 0, 0));
    readonly List<(string File, int Label, int Predicted)> _predictions = [];

    public IReadOnlyList<EvalClass> Classes => classes;
    public List<string> Unreadable { get; } = [];
    public int Images => _predictions.Count;
    public int Top1 => _perClass.Values.Sum(c => c.Top1);
    public int Top5 => _perClass.Values.Sum(c => c.Top5);

    /// <summary>Each evaluated image's true class and top-1 prediction, in evaluation order.</summary>
    public IEnumerable<(int Label, int Predicted)> Predictions => _predictions.Select(p => (p.Label, p.Predicted));

    public void Add(string file, int label, IReadOnlyList<(int Class, double Probability)> best)
    {
        var (images, top1, top5) = _perClass[label];
        bool first = best[0].Class == label;
        _perClass[label] = (images + 1, top1 + (first ? 1 : 0), top5 + (best.Any(b => b.Class == label) ? 1 : 0));
        _predictions.Add((file, label, best[0].Class));
    }

    public void WriteText(TextWriter output, double seconds, string device)
    {
        output.WriteLine($"images: {Images} evaluated, {Unreadable.Count} unreadable");
        if (Images > 0)
        {
            output.WriteLine($"top-1: {100.0 * Top1 / Images:F2}% ({Top1}/{Images})");
            output.WriteLine($"top-5: {100.0 * Top5 / Images:F2}% ({Top5}/{Images})");
            output.WriteLine($"speed: {Images / seconds:F1} images/s on {device} (preprocessing included)");
            var table = new Table().Border(TableBorder.Rounded)
                .AddColumns("class", "folder", "label", "images", "top-1", "top-5");
            foreach (var c in classes)
            {
                var (images, top1, top5) = _perClass[c.Index];
                table.AddRow(c.Index.ToString(), Markup.Escape(Path.GetFileName(c.Folder)), Markup.Escape(c.Label), images.ToString(),
                    images == 0 ? "-" : $"{100.0 * top1 / images:F1}%", images == 0 ? "-" : $"{100.0 * top5 / images:F1}%");
            }
            foreach (int column in new[] { 0, 3, 4, 5 }) table.Columns[column].RightAligned();
            TableWriter.Write(output, table);
        }
        foreach (var u in Unreadable) output.WriteLine($"unreadable: {u}");
    }

    public JsonObject ToJson(string model, string device, double seconds) => new()
    {
        ["model"] = model,
        ["device"] = device,
        ["images"] = Images,
        ["top1"] = Images == 0 ? null : (double)Top1 / Images,
        ["top5"] = Images == 0 ? null : (double)Top5 / Images,
        ["top1_correct"] = Top1,
        ["top5_correct"] = Top5,
        ["seconds"] = Math.Round(seconds, 4),
        ["images_per_s"] = Images == 0 ? null : Images / seconds,
        ["classes"] = new JsonArray(classes.Select(c =>
        {
            var (images, top1, top5) = _perClass[c.Index];
            return (JsonNode)new JsonObject
            {
                ["class"] = c.Index, ["synset"] = c.Synset, ["label"] = c.Label, ["folder"] = c.Folder, ["images"] = images,
                ["top1"] = images == 0 ? null : (double)top1 / images, ["top5"] = images == 0 ? null : (double)top5 / images,
                ["top1_correct"] = top1, ["top5_correct"] = top5,
            };
        }).ToArray()),
        ["misclassified"] = new JsonArray(_predictions.Where(p => p.Predicted != p.Label).Select(p => (JsonNode)new JsonObject
        {
            ["file"] = p.File, ["class"] = p.Label, ["predicted"] = p.Predicted, ["predicted_label"] = labelOf(p.Predicted),
        }).ToArray()),
        ["unreadable"] = new JsonArray(Unreadable.Select(u => (JsonNode)JsonValue.Create(u)).ToArray()),
    };
}
