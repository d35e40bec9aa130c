using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Runtime.IO;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Reference;

/// <summary>The oracle itself must reproduce PyTorch: every fixture's logits, from the converted weights.</summary>
public class ReferenceExecutorTests(ITestOutputHelper log)
{
    /// <summary>The product's own measure (<see cref="ShuffleNetGpu.Runtime.Verification.RelativeError"/>), on slices of equal length.</summary>
    public static double RelativeL2(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected) =>
        ShuffleNetGpu.Runtime.Verification.RelativeError.L2(actual[..expected.Length], expected);

    public static double Tolerance(string id) => Math.Max(1e-4, 4 * Fixtures.Spec(id).GetProperty("torch_fp32_rel_l2_error").GetDouble());

    [Theory]
    [MemberData(nameof(Fixtures.TinyIdData), MemberType = typeof(Fixtures))]
    public void ReferenceReproducesFixtureLogits(string id)
    {
        var (_, weights, input, batch, expected) = Fixtures.Load(id);
        var values = ReferenceExecutor.Run(weights, input, batch);
        var logits = values[weights.Graph.OutputTensor];
        double error = RelativeL2(logits, expected);
        log.WriteLine($"{id}: relative L2 error {error:E3} (tolerance {Tolerance(id):E3})");
        if (error > Tolerance(id)) ActivationReport.ThrowFirstDivergence(id, weights.Graph, values, error);
    }
}
