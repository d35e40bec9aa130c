using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Families;

namespace ShuffleNetGpu.Tests.Networks;

public class ModelZooCountTests
{
    [Fact]
    public void ZooHoldsExactlyTheIdsOfModelCounts()
    {
        var expected = Fixtures.Counts().Select(c => c.Id).OrderBy(x => x, StringComparer.Ordinal).ToArray();
        Assert.Equal(24, expected.Length);
        Assert.Equal(expected, ModelZoo.Ids.OrderBy(x => x, StringComparer.Ordinal).ToArray());
    }

    public static IEnumerable<object[]> CountData => Fixtures.Counts().Select(c => new object[] { c.Id, c.Params, c.Macs });

    [Theory]
    [MemberData(nameof(CountData))]
    public void ParamsAndMacsFromTheGraphEqualUpstreamCounts(string id, long parameters, long macs)
    {
        var graph = GraphFactory.Build(ModelZoo.Get(id));
        Assert.Equal(parameters, graph.Parameters);
        Assert.Equal(macs, graph.Macs);
    }

    [Fact]
    public void OneShotMidsFollowTheFloat64IntRule()
    {
        int[] expected = [44, 38, 25, 38, 48, 112, 64, 80, 96, 192, 256, 192, 160, 224, 256, 160, 320, 384, 320, 256];
        Assert.Equal(expected, ModelZoo.Get("oneshot").MidChannels);
    }
}
