using ShuffleNetGpu.Runtime.Backends;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary>Issue 19 item 15: a usage error is one line on stderr naming the option the user typed, exit code 2
/// (runtime errors keep 1), stdout empty (so <c>--json | jq</c> sees nothing), the same check worded one way.</summary>
public sealed class UsageErrorTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("shufflenet-usage-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly string Image = Path.Combine(Fixtures.Root, "images", "logo.png");
    static readonly string Tiny = Fixtures.Checkpoint("tiny-shufflenetv1-g3");

    static void AssertUsageError((int Code, string Out, string Err) r, string option)
    {
        Assert.True(r.Code == 2, $"exit {r.Code}: {r.Out}{r.Err}");
        Assert.Equal("", r.Out);
        Assert.Single(r.Err.TrimEnd().Split('\n'));
        Assert.StartsWith("error: ", r.Err);
        Assert.Contains(option, r.Err);
        Assert.DoesNotContain("System.", r.Err);
    }

    [Theory]
    [InlineData("--threads", new[] { "classify", "--model", "MODEL", "IMAGE", "--threads", "-2", "--json" })]
    [InlineData("--top", new[] { "classify", "--model", "MODEL", "IMAGE", "--top", "abc", "--json" })]
    [InlineData("--max-pixels", new[] { "classify", "--model", "MODEL", "IMAGE", "--max-pixels", "lots" })]
    [InlineData("--backend", new[] { "classify", "--model", "MODEL", "IMAGE", "--backend", "tpu" })]
    [InlineData("--model", new[] { "classify", "IMAGE", "--json" })]
    [InlineData("--frobnicate", new[] { "bench", "--model", "MODEL", "--frobnicate" })]
    [InlineData("--runs", new[] { "bench", "--model", "MODEL", "--runs", "0" })]
    [InlineData("--batch", new[] { "bench", "--model", "MODEL", "--batch", "1,x" })]
    [InlineData("--batch", new[] { "export-onnx", "MODEL", "-o", "OUT.onnx", "--batch", "0" })]
    [InlineData("--labels", new[] { "eval", "--model", "MODEL", "DIR", "--labels", "words" })]
    [InlineData("--family", new[] { "preprocess", "IMAGE", "-o", "OUT.npy", "--family", "v9" })]
    [InlineData("--stages", new[] { "features", "--model", "MODEL", "IMAGE", "-o", "DIR", "--stages", "7" })]
    [InlineData("--seed", new[] { "init", "shufflenetv2-0.5x", "-o", "OUT.safetensors", "--seed", "1.5" })]
    [InlineData("--all", new[] { "info" })]
    public void AUsageErrorIsOneLineOnStderrNamingTheOptionWithExitCodeTwo(string option, string[] args)
    {
        var resolved = args.Select(a => a switch
        {
            "MODEL" => Tiny, "IMAGE" => Image, "DIR" => _dir,
            _ when a.StartsWith("OUT") => Path.Combine(_dir, a),
            _ => a,
        }).ToArray();
        AssertUsageError(CliRunner.Run(resolved), option);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void TheSameCheckIsWordedTheSameWayInEveryCommand()
    {
        string[][] runs =
        [
            ["classify", "--model", Tiny, Image, "--batch", "0"],
            ["embed", "--model", Tiny, _dir, "-o", Path.Combine(_dir, "e.npy"), "--batch", "0"],
            ["eval", "--model", Tiny, _dir, "--batch", "0"],
            ["info", "shufflenetv2-0.5x", "--memory", "--batch", "0"],
            ["export-onnx", Tiny, "-o", Path.Combine(_dir, "m.onnx"), "--batch", "0"],
        ];
        foreach (var args in runs)
        {
            var r = CliRunner.Run(args);
            AssertUsageError(r, "--batch");
            Assert.StartsWith("error: --batch: expected an integer >= 1, got '0'", r.Err);
        }
    }

    [Fact]
    public void RuntimeErrorsKeepExitCodeOne()
    {
        var r = CliRunner.Run("classify", "--model", "no-such-model", Image);
        Assert.Equal(1, r.Code);
        Assert.Single(r.Err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void HelpStillGoesToStdoutWithExitCodeZero()
    {
        var r = CliRunner.Run("classify", "--help");
        Assert.Equal(0, r.Code);
        Assert.Contains("--labels", r.Out);
    }

    static T WithOptimizationVariable<T>(string value, Func<T> body)
    {
        var old = Environment.GetEnvironmentVariable(ComputeDevice.OptimizationVariable);
        Environment.SetEnvironmentVariable(ComputeDevice.OptimizationVariable, value);
        try { return body(); }
        finally { Environment.SetEnvironmentVariable(ComputeDevice.OptimizationVariable, old); }
    }

    [Fact]
    public void ABadIlgpuOptimizationVariableDoesNotBreakTheCpuBackendAndIsNamedByTheIlgpuOnes()
    {
        string input = Path.Combine(Fixtures.TinyDir("tiny-shufflenetv1-g3"), "input.npy");
        var cpu = WithOptimizationVariable("O3", () => CliRunner.Run("run", "--model", Tiny, "--input", input, "--output", Path.Combine(_dir, "cpu.npy"), "--backend", "cpu"));
        Assert.True(cpu.Code == 0, cpu.Err);
        var ilgpu = WithOptimizationVariable("O3", () => CliRunner.Run("run", "--model", Tiny, "--input", input, "--output", Path.Combine(_dir, "ilgpu.npy"), "--backend", "ilgpu-cpu"));
        Assert.Equal(1, ilgpu.Code);
        Assert.Single(ilgpu.Err.TrimEnd().Split('\n'));
        Assert.Contains("SHUFFLENET_ILGPU_OPTIMIZATION='O3': expected O0, O1 or O2", ilgpu.Err);
    }
}
