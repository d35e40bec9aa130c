using ShuffleNetGpu.Converter.Torch;
using Xunit;

namespace ShuffleNetGpu.Tests.Converter.Torch;

/// <summary>The eight fixture checkpoints, checked against values derived independently of this reader.</summary>
public sealed class TorchCheckpointFixtureTests
{
    // Produced by a throwaway Python 3.11 script (no torch): pickle.Unpickler with a find_class that maps only
    // collections.OrderedDict, torch._utils._rebuild_tensor_v2 and torch.*Storage to stubs, a persistent_load that
    // records (type, key, numel), storages read with struct/array (legacy: after the key-list pickle; zip:
    // <root>/data/<key>), values gathered through offset and strides in C order, and sums taken with Python's
    // sum() over float64 (sequential, so the C# sum below reproduces them). "int64" counts LongStorage tensors.
    public sealed record Expected(
        string Id, string Layout, int Count, int Int64Count,
        string First, int[] FirstShape, double FirstSum,
        string Last, int[] LastShape, double LastSum, double TotalSum);

    private static readonly Expected[] All =
    [
        new("tiny-detnas", "legacy", 262, 43, "first_conv.conv.weight", [16, 3, 3, 3], 0.0630834843905177, "fc.fc.bias", [10], 0.0, 7009.293128861537),
        new("tiny-oneshot", "legacy", 277, 46, "first_conv.0.weight", [16, 3, 3, 3], -0.07332345759641612, "classifier.0.weight", [10, 256], -0.17727282829719115, 6639.742216214345),
        new("tiny-shufflenetv1-g3", "legacy", 133, 22, "first_conv.0.weight", [12, 3, 3, 3], 0.15642148796541733, "classifier.0.weight", [10, 96], -0.29148419800640113, 1063.5745013376975),
        new("tiny-shufflenetv1-g8", "zip", 115, 19, "first_conv.0.weight", [16, 3, 3, 3], -0.496897256021839, "classifier.0.weight", [10, 256], -0.7359353179828076, 1873.660211556246),
        new("tiny-shufflenetv2", "legacy", 175, 29, "first_conv.0.weight", [16, 3, 3, 3], -0.1313870626854623, "classifier.0.weight", [10, 256], 0.2028489376180005, 2359.150654386004),
        new("tiny-shufflenetv2-exlarge", "legacy", 398, 53, "first_conv.0.conv.weight", [8, 3, 3, 3], -0.0773780777817592, "fc.fc.bias", [10], 0.0, 7733.876276394785),
        new("tiny-shufflenetv2-large", "legacy", 344, 44, "first_conv.0.conv.weight", [8, 3, 3, 3], 0.06051715662943025, "fc.bias", [10], 0.0, 2738.5932824608303),
        new("tiny-shufflenetv2plus", "legacy", 295, 48, "first_conv.0.weight", [16, 3, 3, 3], -0.1882758736607002, "classifier.0.weight", [10, 256], 0.4956813893600156, 5619.105092556099),
    ];

    [Theory]
    [MemberData(nameof(TorchTestFiles.FixtureIdData), MemberType = typeof(TorchTestFiles))]
    public void Fixture_matches_the_independently_derived_values(string id)
    {
        var expected = All.Single(e => e.Id == id);
        string path = TorchTestFiles.Checkpoint(id);
        var checkpoint = TorchCheckpointReader.Read(path);

        Assert.Equal(path, checkpoint.SourcePath);
        Assert.Equal(expected.Layout, checkpoint.Layout);
        Assert.Equal(expected.Count, checkpoint.Tensors.Count);
        Assert.Equal(expected.Int64Count, checkpoint.Tensors.Count(t => t.SourceType == TorchDType.Int64));
        Assert.All(checkpoint.Tensors, t => Assert.Equal(t.Shape.Aggregate(1, (a, b) => a * b), t.Data.Length));
        Assert.DoesNotContain(checkpoint.Tensors, t => t.Name.StartsWith("module.", StringComparison.Ordinal));

        var first = checkpoint.Tensors[0];
        Assert.Equal(expected.First, first.Name);
        Assert.Equal(expected.FirstShape, first.Shape);
        Assert.Equal(TorchDType.Float32, first.SourceType);
        AssertClose(expected.FirstSum, Sum(first));

        var last = checkpoint.Tensors[^1];
        Assert.Equal(expected.Last, last.Name);
        Assert.Equal(expected.LastShape, last.Shape);
        AssertClose(expected.LastSum, Sum(last));

        double total = 0;
        foreach (var t in checkpoint.Tensors) total += Sum(t);
        AssertClose(expected.TotalSum, total);

        Assert.Same(first, checkpoint.Find(expected.First));
        Assert.Null(checkpoint.Find("module." + expected.First));
    }

    [Fact]
    public void Large_skips_optimizer_entries_and_reads_shared_storage_twice()
    {
        var checkpoint = TorchCheckpointReader.Read(TorchTestFiles.Checkpoint("tiny-shufflenetv2-large"));

        // 344 state-dict tensors over 308 storages: the SE weights exist under two names.
        var fc1 = checkpoint.Find("features.0.2a.se_fc1.weight");
        var block0 = checkpoint.Find("features.0.2a.se_block.0.weight");
        Assert.NotNull(fc1);
        Assert.NotNull(block0);
        Assert.Equal(fc1.Shape, block0.Shape);
        Assert.Equal(fc1.Data, block0.Data);
        Assert.NotSame(fc1.Data, block0.Data);
        Assert.Contains(fc1.Data, v => v != 0);

        // num_batches_tracked is int64 in the file (12 epochs of the tiny run left 3 here), handed out as float.
        var tracked = checkpoint.Find("first_conv.0.bn.num_batches_tracked");
        Assert.NotNull(tracked);
        Assert.Equal(TorchDType.Int64, tracked.SourceType);
        Assert.Empty(tracked.Shape);
        Assert.Equal([3f], tracked.Data);
        Assert.DoesNotContain(checkpoint.Tensors, t => t.Name.Contains("optimizer", StringComparison.Ordinal));
    }

    [Fact]
    public void ExLarge_shared_se_tensors_have_equal_data()
    {
        var checkpoint = TorchCheckpointReader.Read(TorchTestFiles.Checkpoint("tiny-shufflenetv2-exlarge"));
        var a = checkpoint.Find("features.0.0.se_fc1.fc.weight");
        var b = checkpoint.Find("features.0.0.se_block.0.fc.weight");
        Assert.NotNull(a);
        Assert.NotNull(b);
        Assert.Equal(a.Data, b.Data);
    }

    [Fact]
    public void Oneshot_bare_dict_is_read_as_the_state_dict()
    {
        var checkpoint = TorchCheckpointReader.Read(TorchTestFiles.Checkpoint("tiny-oneshot"));
        var bnWeight = checkpoint.Find("first_conv.1.weight");
        Assert.NotNull(bnWeight);
        AssertClose(16.22659465484321, Sum(bnWeight));
        Assert.Equal([2f], checkpoint.Find("conv_last.1.num_batches_tracked")!.Data);
    }

    [Theory]
    [InlineData("tiny-shufflenetv1-g3")]
    [InlineData("tiny-shufflenetv1-g8")]
    public void Stream_that_cannot_seek_reads_like_the_file(string id)
    {
        string path = TorchTestFiles.Checkpoint(id);
        var fromFile = TorchCheckpointReader.Read(path);
        using var stream = new ForwardOnlyStream(File.ReadAllBytes(path));
        var fromStream = TorchCheckpointReader.Read(stream, "upload.pth.tar");

        Assert.Equal("upload.pth.tar", fromStream.SourcePath);
        Assert.Equal(fromFile.Tensors.Select(t => t.Name), fromStream.Tensors.Select(t => t.Name));
        for (int i = 0; i < fromFile.Tensors.Count; i++) Assert.Equal(fromFile.Tensors[i].Data, fromStream.Tensors[i].Data);
    }

    internal static double Sum(TorchTensor t)
    {
        double s = 0;
        foreach (float v in t.Data) s += v;
        return s;
    }

    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * (1 + Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");

    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 1000));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
