using ShuffleNetGpu.Tests.Cli;

namespace ShuffleNetGpu.Tests.Serving;

/// <summary><c>shufflenet serve</c>'s usage errors (exit 2, one line) before anything is loaded or bound.</summary>
public sealed class ServeCommandTests
{
    [Theory]
    [InlineData("--max-batch", "0", "--max-batch: expected an integer >= 1, got '0'")]
    [InlineData("--name", "a,b", "--name: 2 names for 1 models")]
    [InlineData("--host", "localhost:80", "--host: expected an IP address")]
    [InlineData("--grpc-port", "8000", "the HTTP and gRPC ports must differ")]
    public void UsageErrorsExit2(string option, string value, string expected)
    {
        var (code, _, err) = CliRunner.Run("serve", "--model", "shufflenetv2-0.5x", option, value);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
    }
}
