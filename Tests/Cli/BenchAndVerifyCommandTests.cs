using System.Text.Json;
using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Tests.Cli;

public class BenchAndVerifyCommandTests
{
    const string Case = "tiny-shufflenetv1-g3";   // the quickest fixture on ilgpu-cpu

    static string CopyCase(string root, string id)
    {
        string dir = Path.Combine(root, id);
        Directory.CreateDirectory(dir);
        foreach (var f in new[] { "checkpoint.pth.tar", "input.npy", "logits.npy" })
            File.Copy(Path.Combine(Fixtures.TinyDir(id), f), Path.Combine(dir, f));
        return dir;
    }

    [Fact]
    public void VerifyPassesAShippedCaseAndPrintsItsError()
    {
        string root = Directory.CreateTempSubdirectory("verify-").FullName;
        try
        {
            CopyCase(root, Case);
            var (code, output, error) = CliRunner.Run("verify", "--backend", "ilgpu-cpu", "--fixtures", root);
            Assert.True(code == 0, output + error);
            var line = output.Split('\n').Single(l => l.StartsWith(Case, StringComparison.Ordinal));
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("ilgpu-cpu", fields[1]);
            Assert.InRange(double.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture), 0, 1e-4);
            Assert.Equal("ok", fields[4]);
            Assert.Contains("all 1 checks passed", output);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void VerifyFailsWhenTheLogitsDiffer()
    {
        string root = Directory.CreateTempSubdirectory("verify-").FullName;
        try
        {
            string dir = CopyCase(root, Case);
            var (shape, logits) = NpyFile.Read(Path.Combine(dir, "logits.npy"));
            logits[0] += 1;   // a wrong expectation: the check must see it
            NpyFile.Write(Path.Combine(dir, "logits.npy"), shape, logits);
            var (code, output, _) = CliRunner.Run("verify", "--backend", "ilgpu-cpu", "--fixtures", root);
            Assert.Equal(1, code);
            Assert.Contains("FAIL", output);
            Assert.Contains("1 of 1 checks FAILED", output);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void VerifyNamesAMissingFolder()
    {
        var (code, _, error) = CliRunner.Run("verify", "--backend", "ilgpu-cpu", "--fixtures", "/nonexistent/fixtures");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/fixtures", error);
    }

    [Fact]
    public void BenchReportsEachBatchAsJson()
    {
        var (code, output, error) = CliRunner.Run("bench", "--model", Fixtures.Checkpoint(Case), "--backend", "ilgpu-cpu",
            "--batch", "1,2", "--runs", "1", "--warmup", "0", "--json");
        Assert.True(code == 0, output + error);
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("batch").GetInt32()));
        foreach (var r in rows)
        {
            Assert.Equal("ilgpu-cpu", r.GetProperty("backend").GetString());
            Assert.True(r.GetProperty("median_ms").GetDouble() > 0);
            double expected = r.GetProperty("batch").GetInt32() * 1000 / r.GetProperty("median_ms").GetDouble();
            Assert.Equal(expected, r.GetProperty("images_per_s").GetDouble(), expected * 1e-3);
            Assert.True(r.GetProperty("peak_bytes").GetInt64() > 0);
            double resident = r.GetProperty("resident_median_ms").GetDouble();
            Assert.InRange(resident, 1e-6, r.GetProperty("median_ms").GetDouble() * 3);   // kernels only: not slower than a whole run (noise allowed)
            Assert.True(r.GetProperty("kernels_per_forward").GetInt32() > 10);
        }
        // The arena grows with the batch, so the peak does too.
        Assert.True(rows[1].GetProperty("peak_bytes").GetInt64() > rows[0].GetProperty("peak_bytes").GetInt64());
    }

    [Theory]
    [InlineData("--batch", "0", "--batch: expected an integer between 1 and 4096, got '0'")]
    [InlineData("--batch", "1,x", "--batch: expected an integer between 1 and 4096, got 'x'")]
    [InlineData("--runs", "0", "--runs: expected an integer >= 1, got '0'")]
    public void BenchRefusesBadArguments(string option, string value, string message)
    {
        var (code, _, error) = CliRunner.Run("bench", "--model", "shufflenetv2-0.5x", "--backend", "ilgpu-cpu", option, value);
        Assert.Equal(2, code);   // a usage error
        Assert.Contains(message, error);
    }
}

public class InfoMemoryTests
{
    [Fact]
    public void TheReportedPeakIsWhatTheExecutorAllocates()
    {
        string checkpoint = Fixtures.Checkpoint("tiny-shufflenetv1-g3");
        var (code, output, error) = CliRunner.Run("info", checkpoint, "--memory", "--batch", "3", "--json");
        Assert.True(code == 0, error);
        var memory = JsonDocument.Parse(output).RootElement.GetProperty("memory");
        using var net = ShuffleNet.FromWeights(ShuffleNetGpu.Converter.CheckpointConverter.Convert(checkpoint), ShuffleNetGpu.Runtime.Backends.BackendKind.IlgpuCpu);
        net.Run(new float[3 * ShuffleNet.ImageElements]);
        Assert.Equal(memory.GetProperty("peak_bytes").GetInt64(), net.PeakAllocatedBytes);
        Assert.Equal(memory.GetProperty("ops").GetInt32(), net.LastRunOps);
        Assert.True(memory.GetProperty("arena_bytes").GetInt64() < memory.GetProperty("unplanned_bytes").GetInt64());
    }

    [Fact]
    public void ThePlainReportNamesTheArenaAndWeights()
    {
        var (code, output, _) = CliRunner.Run("info", "shufflenetv2-1.0x", "--memory", "--batch", "64");
        Assert.Equal(0, code);
        Assert.Contains("memory at batch 64: peak 125.20 MB = weights 9.59 MB + activation arena 115.61 MB", output);
    }
}
