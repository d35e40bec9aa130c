using System.CommandLine;
using System.CommandLine.Help;
using ShuffleNetGpu.Cli.Commands;
using ShuffleNetGpu.Cli.Options;

namespace ShuffleNetGpu.Cli;

/// <summary>The <c>shufflenet</c> command: a thin shell over the library. Errors are one line on stderr: exit code 2
/// for a usage error (a command line to change: parse errors, bad option values, an output that is an input), 1 for
/// a runtime error (bad input files, a missing backend, unreadable images).</summary>
public static class ShuffleNetCli
{
    public const int UsageExitCode = 2, RuntimeExitCode = 1;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("ShuffleNet-Series on GPUs and CPUs: convert checkpoints, inspect and run models.")
        {
            ConvertCommand.Create(output, error),
            InfoCommand.Create(output),
            InitCommand.Create(output),
            RunCommand.Create(output),
            ClassifyCommand.Create(output, error),
            DemoCommand.Create(output),
            EvalCommand.Create(output, error),
            PreprocessCommand.Create(output),
            BenchCommand.Create(output, error),
            VerifyCommand.Create(output),
            ExportOnnxCommand.Create(output),
            FeaturesCommand.Create(output),
            EmbedCommand.Create(output, error),
            ServeCommand.Create(output),
            MergeCommand.Create(output),
        };
        var parse = root.Parse(args);
        // System.CommandLine answers a parse error with the whole help on stdout; here it is one line on stderr
        // (stdout stays what --json promises), pointing at the help.
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            string command = parse.CommandResult.Command == root ? "shufflenet" : $"shufflenet {parse.CommandResult.Command.Name}";
            error.WriteLine($"error: {OneLine(string.Join("; ", parse.Errors.Select(e => e.Message).Distinct()))} (see '{command} --help')");
            return UsageExitCode;
        }
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        ModelSource.Notes = error;
        try
        {
            return parse.Invoke(config);
        }
        catch (UsageException e)
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return UsageExitCode;
        }
        catch (Exception e) when (IsUserError(e))
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return RuntimeExitCode;
        }
        finally
        {
            ModelSource.Notes = null;
        }
    }

    /// <summary>Bad input the user can fix; anything else is a bug and keeps its stack trace.</summary>
    static bool IsUserError(Exception e) =>
        e is ShuffleNetException or IOException or UnauthorizedAccessException;

    static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
