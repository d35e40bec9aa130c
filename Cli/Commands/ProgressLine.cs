namespace ShuffleNetGpu.Cli.Commands;

/// <summary>
/// Progress on stderr for runs of more than a handful of images: one line redrawn in place on a terminal, a line per
/// update when stderr is redirected (logs stay readable). Written by hand: a counter is all it shows.
/// </summary>
sealed class ProgressLine(TextWriter error, int total)
{
    const int Handful = 8;
    readonly bool _enabled = total > Handful;
    readonly bool _inPlace = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;

    public void Report(int done, string detail = "")
    {
        if (!_enabled) return;
        string text = $"[{done}/{total}] {100.0 * done / total:F0}% {detail}".TrimEnd();
        if (_inPlace) error.Write($"\r{text}\u001b[K{(done == total ? "\n" : "")}");
        else error.WriteLine(text);
    }
}
