namespace ShuffleNetGpu.Networks.Config;

/// <summary>The 24 released configurations of ShuffleNet-Series, under the ids of <c>fixtures/model_counts.json</c>.</summary>
public static class ModelZoo
{
    /// <summary>Classes of the released ImageNet models.</summary>
    public const int ImageNetClasses = 1000;

    static readonly int[] SearchedArchitecture = [0, 0, 3, 1, 1, 1, 0, 0, 2, 0, 2, 1, 1, 0, 2, 0, 2, 1, 3, 2];
    static readonly int[] OneShotScaleIds = [6, 5, 3, 5, 2, 6, 3, 4, 2, 5, 7, 5, 4, 6, 7, 4, 4, 5, 4, 3];
    static readonly int[] DetNas38GArchitecture =
        [0, 0, 3, 1, 2, 1, 0, 2, 0, 3, 1, 2, 3, 3, 2, 0, 2, 1, 1, 3, 2, 0, 2, 2, 2, 1, 3, 1, 0, 3, 3, 3, 1, 3, 3, 3, 3, 3, 3, 3];

    static readonly Lazy<IReadOnlyDictionary<string, ModelConfig>> All = new(Create);

    /// <summary>The released model ids (e.g. <c>shufflenetv2-1.0x</c>).</summary>
    public static IReadOnlyList<string> Ids => All.Value.Keys.ToArray();

    /// <summary>The configuration of released model <paramref name="id"/> (1000 classes); false for an unknown id.</summary>
    public static bool TryGet(string id, out ModelConfig config) => All.Value.TryGetValue(id, out config!);

    /// <summary>The configuration of a released model, with <paramref name="numClasses"/> outputs.</summary>
    public static ModelConfig Get(string id, int numClasses = ImageNetClasses)
    {
        if (!All.Value.TryGetValue(id, out var config))
            throw new ShuffleNetException($"unknown model id '{id}'; known ids: {string.Join(", ", Ids)}");
        return numClasses == config.NumClasses ? config : (config with { NumClasses = numClasses }).Validate(id);
    }

    /// <summary>
    /// Parameters of the training-only <c>predict_56/28/14</c> heads a released checkpoint also holds (not part of any
    /// graph): each is Conv_BN_ReLU(in, out, 1), Conv_BN_ReLU(out, out, 3), Linear(out, 1000) with bias.
    /// </summary>
    public static long AuxiliaryParameters(string id)
    {
        (int In, int Out)[] heads = id switch
        {
            "shufflenetv2-large" => [(256, 256), (512, 512), (1024, 1024)],
            "shufflenetv2-exlarge" => [(320, 256), (640, 512), (1280, 1024)],
            _ => [],
        };
        return heads.Sum(h => (long)h.In * h.Out + 2L * h.Out + 9L * h.Out * h.Out + 2L * h.Out + 1000L * h.Out + 1000);
    }

    /// <summary>OneShot's mid width rule: <c>int((out // 2) * scale)</c> of the float64 product.</summary>
    public static int OneShotMid(int outChannels, double scale) => (int)((outChannels / 2) * scale);

    static IReadOnlyDictionary<string, ModelConfig> Create()
    {
        var zoo = new Dictionary<string, ModelConfig>();
        void Add(string id, ModelConfig c) => zoo.Add(id, c.Validate(id));

        var v1 = new (string Size, int Groups, int[] Channels)[]
        {
            ("0.5x", 3, [12, 120, 240, 480]), ("1.0x", 3, [24, 240, 480, 960]), ("1.5x", 3, [24, 360, 720, 1440]), ("2.0x", 3, [48, 480, 960, 1920]),
            ("0.5x", 8, [16, 192, 384, 768]), ("1.0x", 8, [24, 384, 768, 1536]), ("1.5x", 8, [24, 576, 1152, 2304]), ("2.0x", 8, [48, 768, 1536, 3072]),
        };
        foreach (var (size, g, ch) in v1)
            Add($"shufflenetv1-g{g}-{size}", new ModelConfig
            {
                Family = ModelFamily.V1, NumClasses = ImageNetClasses, StemChannels = [ch[0]], StageRepeats = [4, 8, 4],
                StageChannels = ch[1..], Groups = g,
            });

        var v2 = new (string Size, int[] Channels)[]
        {
            ("0.5x", [24, 48, 96, 192, 1024]), ("1.0x", [24, 116, 232, 464, 1024]),
            ("1.5x", [24, 176, 352, 704, 1024]), ("2.0x", [24, 244, 488, 976, 2048]),
        };
        foreach (var (size, ch) in v2)
            Add($"shufflenetv2-{size}", new ModelConfig
            {
                Family = ModelFamily.V2, NumClasses = ImageNetClasses, StemChannels = [ch[0]], StageRepeats = [4, 8, 4],
                StageChannels = ch[1..4], LastChannels = ch[4],
            });

        foreach (var size in new[] { "small", "medium", "large" })
            Add($"shufflenetv2plus-{size}", SearchSpace.V2Plus(size, SearchedArchitecture));

        Add("shufflenetv2-large", new ModelConfig
        {
            Family = ModelFamily.Large, NumClasses = ImageNetClasses, StemChannels = [64, 64, 128], StageRepeats = [10, 10, 23, 10],
            StageChannels = [4 * 64, 4 * 128, 4 * 256, 4 * 512], LastChannels = 1280, Groups = 8,
        });
        Add("shufflenetv2-exlarge", new ModelConfig
        {
            Family = ModelFamily.ExLarge, NumClasses = ImageNetClasses, StemChannels = [64, 128, 256], StageRepeats = [8, 16, 36, 10],
            StageChannels = [320, 640, 1280, 2560], Groups = 16,
        });

        Add("oneshot", SearchSpace.OneShot(SearchedArchitecture, OneShotScaleIds.Select(i => SearchSpace.OneShotScales[i]).ToArray()));

        var detNas = new (string Id, string Width, int[] Architecture)[]
        {
            ("detnas-voc-retinanet-300m", "300m", [1, 3, 0, 0, 2, 3, 3, 3, 2, 3, 3, 3, 3, 2, 2, 0, 2, 3, 1, 1]),
            ("detnas-voc-fpn-300m", "300m", [2, 1, 0, 3, 1, 3, 0, 3, 2, 0, 1, 1, 3, 3, 3, 3, 3, 3, 3, 1]),
            ("detnas-coco-retinanet-300m", "300m", [2, 3, 1, 1, 3, 2, 1, 3, 3, 1, 1, 1, 3, 3, 2, 0, 3, 3, 3, 3]),
            ("detnas-coco-fpn-300m", "300m", [2, 1, 2, 0, 2, 1, 1, 2, 3, 3, 1, 3, 0, 0, 3, 1, 3, 1, 3, 2]),
            ("detnas-coco-fpn-1.3g", "1.3g", DetNas38GArchitecture),
            ("detnas-coco-fpn-3.8g", "3.8g", DetNas38GArchitecture),
        };
        foreach (var (id, width, arch) in detNas) Add(id, SearchSpace.DetNas(width, arch));
        return zoo;
    }
}
