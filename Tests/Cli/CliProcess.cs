using System.Diagnostics;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary>Runs the built <c>shufflenet</c> as its own process (a working directory, a program folder other than the
/// tests'), under a time limit.</summary>
static class CliProcess
{
    /// <summary>The test run's output folder holds shufflenet.dll with its runtimeconfig and dependencies.</summary>
    public static string BuiltDll => Path.Combine(AppContext.BaseDirectory, "shufflenet.dll");

    public static (int Code, string Out, string Err) Run(string dll, string workingDirectory, TimeSpan limit, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"shufflenet {string.Join(' ', args)} ran past {limit.TotalSeconds} s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
