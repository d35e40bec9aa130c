using Spectre.Console;
using Spectre.Console.Rendering;

namespace ShuffleNetGpu.Cli.Progress;

/// <summary>Items per second (Spectre's own speed column counts bytes).</summary>
sealed class RateColumn(string what) : ProgressColumn
{
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(task.Speed is double speed ? $"{speed:F1} {what}/s" : $"- {what}/s");
}
