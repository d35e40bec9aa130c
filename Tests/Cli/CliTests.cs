using System.Text.Json;
using ShuffleNetGpu.Cli;

namespace ShuffleNetGpu.Tests.Cli;

public sealed class CliTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-cli-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void InfoAllJsonMatchesModelCountsForAll24Ids()
    {
        var (code, output, _) = Run("info", "--all", "--json");
        Assert.Equal(0, code);
        var rows = JsonDocument.Parse(output).RootElement.EnumerateArray()
            .ToDictionary(e => e.GetProperty("id").GetString()!, e => (e.GetProperty("params").GetInt64(), e.GetProperty("aux_params").GetInt64(), e.GetProperty("macs").GetInt64()));
        var expected = Fixtures.Counts().ToList();
        Assert.Equal(expected.Count, rows.Count);
        foreach (var c in expected) Assert.Equal((c.Params, c.AuxParams, c.Macs), rows[c.Id]);
    }

    [Fact]
    public void ConvertThenInfoOnTheConvertedFile()
    {
        string output = Path.Combine(_dir, "v1.safetensors");
        var convert = Run("convert", Fixtures.Checkpoint("tiny-shufflenetv1-g8"), "-o", output);
        Assert.Equal(0, convert.Code);
        var info = Run("info", output, "--json");
        Assert.Equal(0, info.Code);
        var e = JsonDocument.Parse(info.Out).RootElement;
        Assert.Equal("v1", e.GetProperty("family").GetString());
        Assert.Equal(8, e.GetProperty("config").GetProperty("groups").GetInt32());
        Assert.Equal(15600, e.GetProperty("params").GetInt64());
    }

    [Fact]
    public void InitWritesALoadableFileAndTheSameSeedGivesTheSameBytes()
    {
        string a = Path.Combine(_dir, "a.safetensors"), b = Path.Combine(_dir, "b.safetensors");
        Assert.Equal(0, Run("init", "shufflenetv2-0.5x", "-o", a, "--seed", "3").Code);
        Assert.Equal(0, Run("init", "shufflenetv2-0.5x", "-o", b, "--seed", "3").Code);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        var info = Run("info", a, "--json");
        Assert.Equal(1365792, JsonDocument.Parse(info.Out).RootElement.GetProperty("params").GetInt64());
    }

    public static IEnumerable<object[]> BadInvocations =>
    [
        [new[] { "convert", "/no/such/file.pth", "-o", "/tmp/x.safetensors" }, "file.pth"],
        [new[] { "convert", "DIR", "-o", "OUT" }, "directory"],
        [new[] { "convert", "EMPTY", "-o", "OUT" }, "empty"],
        [new[] { "convert", "CKPT", "-o", "/no/such/dir/out.safetensors" }, "does not exist"],
        [new[] { "convert", "CKPT", "-o", "OUT", "--model", "shufflenetv2-1.0x" }, "first_conv.0.weight"],
        [new[] { "info", "no-such-model" }, "no-such-model"],
        [new[] { "init", "no-such-model", "-o", "OUT" }, "no-such-model"],
    ];

    [Theory]
    [MemberData(nameof(BadInvocations))]
    public void BadInputGivesOneLineOnStderrExitOneAndNoFile(string[] args, string mentioned)
    {
        string empty = Path.Combine(_dir, "empty.pth");
        File.WriteAllBytes(empty, []);
        string output = Path.Combine(_dir, "out.safetensors");
        var resolved = args.Select(a => a switch
        {
            "DIR" => _dir, "EMPTY" => empty, "OUT" => output, "CKPT" => Fixtures.Checkpoint("tiny-shufflenetv2"), _ => a,
        }).ToArray();
        var (code, _, err) = Run(resolved);
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.StartsWith("error: ", err);
        Assert.Contains(mentioned, err, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(output));
    }
}
