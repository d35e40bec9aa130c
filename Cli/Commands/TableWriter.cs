using Spectre.Console;
using Spectre.Console.Rendering;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>Renders a Spectre.Console table onto a command's stdout writer: plain characters, no colour or escape
/// codes, wide enough for the table (a pipe or a file gets the whole row, never a wrapped one).</summary>
static class TableWriter
{
    public static void Write(TextWriter output, IRenderable table)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 240;
        console.Write(table);
    }
}
