using ShuffleNetGpu.Cli.Options;

namespace ShuffleNetGpu.Tests.Serving;

/// <summary><c>--shard</c>: parsing (K/N, or N with the array job's index) and the slices, which cover the sorted list once, in order.</summary>
public sealed class ShardOptionTests
{
    static string? Parse(string text, out Shard shard, string? jobIndex = null, string? slurmIndex = null) =>
        ShardOption.Parse(text, name => name switch { "JOB_COMPLETION_INDEX" => jobIndex, "SLURM_ARRAY_TASK_ID" => slurmIndex, _ => null }, out shard);

    [Fact]
    public void ExplicitAndEnvironmentIndices()
    {
        Assert.Null(Parse("2/3", out var shard));
        Assert.Equal(new Shard(2, 3), shard);
        Assert.Null(Parse("4", out shard, jobIndex: "1", slurmIndex: "3"));
        Assert.Equal(new Shard(1, 4), shard);   // the Kubernetes index first
        Assert.Null(Parse("4", out shard, slurmIndex: "3"));
        Assert.Equal(new Shard(3, 4), shard);
    }

    [Theory]
    [InlineData("3/3", null, "K is '3', expected 0 to 2")]
    [InlineData("0/0", null, "expected K/N or N with N >= 1")]
    [InlineData("a/2", null, "K is 'a'")]
    [InlineData("1/2/3", null, "expected K/N or N")]
    [InlineData("3", null, "no shard index")]
    [InlineData("3", "5", "JOB_COMPLETION_INDEX is '5', expected 0 to 2")]
    public void BadValuesNameTheProblem(string text, string? jobIndex, string expected)
    {
        Assert.Contains(expected, Parse(text, out _, jobIndex));
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(2, 3)]
    [InlineData(10, 3)]
    [InlineData(11, 4)]
    public void ShardsJoinedInOrderAreTheWholeList(int length, int count)
    {
        var items = Enumerable.Range(0, length).ToList();
        var joined = Enumerable.Range(0, count).SelectMany(k => new Shard(k, count).Slice(items)).ToList();
        Assert.Equal(items, joined);
        Assert.All(Enumerable.Range(0, count), k => Assert.InRange(new Shard(k, count).Slice(items).Count, length / count, length / count + 1));
    }

    [Fact]
    public void AShardOptionParsesOnACommandLine()
    {
        var option = ShardOption.Create();
        var command = new System.CommandLine.RootCommand { option };
        Assert.Equal(new Shard(1, 2), command.Parse(["--shard", "1/2"]).GetValue(option));
        Assert.NotEmpty(command.Parse(["--shard", "2/2"]).Errors);
    }
}
