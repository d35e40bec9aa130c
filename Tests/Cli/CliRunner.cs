using ShuffleNetGpu.Cli;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary>Runs the <c>shufflenet</c> command in-process and captures its exit code, stdout and stderr.</summary>
static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ShuffleNetCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
