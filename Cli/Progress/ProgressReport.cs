using System.Diagnostics;
using Spectre.Console;

namespace ShuffleNetGpu.Cli.Progress;

/// <summary>
/// Progress of one long piece of work (images, runs, conversion steps) on stderr. On a terminal: a Spectre.Console bar
/// with the count, the rate and the time left, redrawn in place. Redirected (CI logs, tests): a plain line each time
/// another tenth is done or <see cref="PlainInterval"/> has passed, and at the end, so a log stays short and readable.
/// <c>--quiet</c>, or work of no more than <see cref="Handful"/> items, shows nothing. Report from one thread at a time.
/// </summary>
abstract class ProgressReport : IDisposable
{
    /// <summary>Work this small shows no progress (it is over before a bar would help).</summary>
    public const int Handful = 8;

    /// <summary>The longest a redirected run stays silent between two lines.</summary>
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);

    /// <summary>The report for <paramref name="total"/> items of <paramref name="what"/> (a word: "images", "runs")
    /// written to <paramref name="error"/>: a bar when that is the process's stderr on a terminal, lines otherwise.</summary>
    public static ProgressReport Start(TextWriter error, bool quiet, string description, int total, string what = "images", int handful = Handful)
    {
        if (quiet || total <= handful) return new SilentReport();
        bool terminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        return terminal
            ? new BarReport(StderrConsole(), description, total, what)
            : new PlainReport(error, description, total, what);
    }

    /// <summary>Spectre on stderr, told that it is a terminal: left to itself it looks at stdout, which may be a pipe
    /// (<c>classify ... &gt; results.txt</c>) while the person watches stderr.</summary>
    static IAnsiConsole StderrConsole() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
        Ansi = AnsiSupport.Yes,
        Interactive = InteractionSupport.Yes,
    });

    /// <summary>The bar drawn on <paramref name="console"/> (a terminal, or Spectre's test console).</summary>
    public static ProgressReport Bar(IAnsiConsole console, string description, int total, string what = "images") =>
        new BarReport(console, description, total, what);

    /// <summary><paramref name="done"/> items of the total are finished; <paramref name="detail"/> is shown beside the count.</summary>
    public abstract void Report(int done, string detail = "");

    /// <summary>Ends the display (the bar's last frame stays on the terminal).</summary>
    public virtual void Dispose() { }

    sealed class SilentReport : ProgressReport
    {
        public override void Report(int done, string detail = "") { }
    }

    sealed class PlainReport(TextWriter error, string description, int total, string what) : ProgressReport
    {
        readonly Stopwatch _watch = Stopwatch.StartNew();
        TimeSpan _lastLine = TimeSpan.Zero;
        int _lastTenth;

        public override void Report(int done, string detail = "")
        {
            int tenth = (int)(10L * done / total);
            var now = _watch.Elapsed;
            if (done < total && tenth == _lastTenth && now - _lastLine < PlainInterval) return;
            _lastTenth = tenth;
            _lastLine = now;
            double rate = done / Math.Max(now.TotalSeconds, 1e-9);
            string eta = done > 0 && done < total ? $", {Format(TimeSpan.FromSeconds((total - done) / rate))} left" : "";
            error.WriteLine($"{description}: [{done}/{total}] {100.0 * done / total:F0}% {rate:F1} {what}/s{eta} {detail}".TrimEnd());
        }

        static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"m\:ss");
    }

    /// <summary>Spectre's live progress runs its own render loop; it is started on a background task and fed the
    /// count from the caller's loop, so commands keep their plain for-loops.</summary>
    sealed class BarReport : ProgressReport
    {
        readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly TaskCompletionSource<ProgressTask> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly Task _render;
        readonly string _description;

        public BarReport(IAnsiConsole console, string description, int total, string what)
        {
            _description = Markup.Escape(description);
            var progress = console.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                         new CountColumn(), new RateColumn(what), new RemainingTimeColumn(), new SpinnerColumn());
            _render = Task.Run(() => progress.StartAsync(async context =>
            {
                _started.SetResult(context.AddTask(_description, maxValue: total));
                await _finished.Task;
                context.Refresh();
            }));
        }

        public override void Report(int done, string detail = "")
        {
            if (!_started.Task.IsCompleted) Task.WaitAny(_started.Task, _render);
            if (_render.IsFaulted) _render.GetAwaiter().GetResult(); // the render loop's failure, not a hang
            var task = _started.Task.Result;
            task.Value = done;
            if (detail.Length > 0) task.Description = $"{_description} {Markup.Escape(detail)}";
        }

        public override void Dispose()
        {
            _finished.TrySetResult();
            _render.GetAwaiter().GetResult();
        }
    }
}
