using System.Text.RegularExpressions;
using ShuffleNetGpu.Imaging.Classes;

namespace ShuffleNetGpu.Tests.Cli;

/// <summary>
/// The shipped WordNet ids (data/imagenet_synsets.txt, from the ILSVRC 2012 LOC_synset_mapping.txt; see data/README.md).
/// The anchors are ImageNet-1k facts written down by hand, not read from the file under test.
/// </summary>
public sealed class ImageNetSynsetsTests
{
    static string DataFile(string name) => Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "data", name);

    [Fact]
    public void ThousandDistinctSortedIdsOnePerClassName()
    {
        var ids = File.ReadAllLines(DataFile("imagenet_synsets.txt"));
        var names = File.ReadAllLines(DataFile("imagenet_classes.txt"));
        Assert.Equal(1000, ids.Length);
        Assert.Equal(names.Length, ids.Length);
        Assert.All(ids, id => Assert.Matches(new Regex("^n[0-9]{8}$"), id));
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids); // ILSVRC's class order is the ids' sorted order
        Assert.Equal(1000, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("n01440764", 0, "tench")]
    [InlineData("n01443537", 1, "goldfish")]
    [InlineData("n02123045", 281, "tabby")]
    [InlineData("n04398044", 849, "teapot")]
    [InlineData("n07920052", 967, "espresso")]
    [InlineData("n15075141", 999, "toilet tissue")]
    public void KnownClassesHaveTheirIds(string synset, int index, string name)
    {
        Assert.Equal(synset, ImageNetLabels.SynsetOf(index));
        Assert.Equal(index, ImageNetLabels.IndexOf(synset));
        Assert.Equal(name, ImageNetLabels.Of(index));
    }

    [Fact]
    public void AnIdOutsideImageNet1kHasNoClass() => Assert.Null(ImageNetLabels.IndexOf("n99999999"));
}
