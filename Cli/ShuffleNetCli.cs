using System.CommandLine;
using ShuffleNetGpu.Cli.Commands;

namespace ShuffleNetGpu.Cli;

/// <summary>The <c>shufflenet</c> command: a thin shell over the library. Errors: one line on stderr, exit code 1.</summary>
public static class ShuffleNetCli
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("ShuffleNet-Series on GPUs and CPUs: convert checkpoints, inspect and run models.")
        {
            ConvertCommand.Create(output),
            InfoCommand.Create(output),
            InitCommand.Create(output),
            RunCommand.Create(output),
            ClassifyCommand.Create(output, error),
            DemoCommand.Create(output),
            EvalCommand.Create(output, error),
            PreprocessCommand.Create(output),
            BenchCommand.Create(output),
            VerifyCommand.Create(output),
            ExportOnnxCommand.Create(output),
            FeaturesCommand.Create(output),
            EmbedCommand.Create(output, error),
        };
        var parse = root.Parse(args);
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return parse.Invoke(config);
        }
        catch (Exception e) when (IsUserError(e))
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return 1;
        }
    }

    /// <summary>Bad input the user can fix; anything else is a bug and keeps its stack trace.</summary>
    static bool IsUserError(Exception e) =>
        e is ShuffleNetException or IOException or UnauthorizedAccessException;

    static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
