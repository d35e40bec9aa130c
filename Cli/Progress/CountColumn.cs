using Spectre.Console;
using Spectre.Console.Rendering;

namespace ShuffleNetGpu.Cli.Progress;

/// <summary>"done/total" beside the bar.</summary>
sealed class CountColumn : ProgressColumn
{
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text($"{task.Value:F0}/{task.MaxValue:F0}");
}
