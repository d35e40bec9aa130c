using ShuffleNetGpu.Converter;
using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Networks.Weights;
using ShuffleNetGpu.Runtime.Backends;
using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Tests.Runtime;

/// <summary>
/// The library's contract for bad input (README: "errors on bad input are ShuffleNetException subclasses"): every
/// public entry point of ShuffleNet, FeatureMaps, ImagePreprocessor, NetworkInput and CheckpointConverter, called with
/// bad arguments and bad files, throws a <see cref="ShuffleNetException"/> (or a subclass); a missing file is a
/// <see cref="FileNotFoundException"/>; a null argument is an <see cref="ArgumentNullException"/> (a caller bug that the
/// nullable annotations already flag at compile time, as everywhere in .NET).
/// </summary>
public sealed class PublicApiBadInputTests(PublicApiBadInputTests.Files files) : IClassFixture<PublicApiBadInputTests.Files>
{
    /// <summary>What a case must throw.</summary>
    public enum Expect { Typed, Missing, Null }

    /// <summary>A tiny network on the cpu backend and the files the cases point at, made once for the class.</summary>
    public sealed class Files : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("shufflenet-badinput-").FullName;
        public ModelWeights Weights { get; } = CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv2"));
        public ShuffleNet Net { get; }
        public float[] Batch { get; } = new float[ShuffleNet.ImageElements];

        public Files()
        {
            Net = ShuffleNet.FromWeights(Weights, BackendKind.Cpu, cpuThreads: 1);
            Weights.Save(Path.Combine(Dir, "tiny.safetensors"));
            File.Copy(Path.Combine(Fixtures.Root, "images", "camera.png"), Path.Combine(Dir, "camera.png"));
            File.WriteAllText(Path.Combine(Dir, "notes.txt"), "not an image, a checkpoint or an array\n");
            File.WriteAllText(Path.Combine(Dir, "notes.png"), "not an image\n");
            File.WriteAllText(Path.Combine(Dir, "notes.npy"), "not an array\n");
            File.WriteAllBytes(Path.Combine(Dir, "short-v2.npy"), [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0, 0, 0]);
            NpyFile.Write(Path.Combine(Dir, "wrong-shape.npy"), [2, 3], new float[6]);
            foreach (var folder in new[] { "folder", "folder.npy", "folder.png", "folder.safetensors", "folder.pth.tar" })
                Directory.CreateDirectory(Path.Combine(Dir, folder));
        }

        public string this[string name] => Path.Combine(Dir, name);

        public void Dispose()
        {
            Net.Dispose();
            Directory.Delete(Dir, recursive: true);
        }
    }

    static readonly Dictionary<string, (Expect Expect, Action<Files> Call)> Cases = new()
    {
        // ShuffleNet.Load / FromWeights
        ["ShuffleNet.Load(null)"] = (Expect.Null, f => ShuffleNet.Load(null!, BackendKind.Cpu)),
        ["ShuffleNet.Load(empty path)"] = (Expect.Typed, f => ShuffleNet.Load("", BackendKind.Cpu)),
        ["ShuffleNet.Load(missing file)"] = (Expect.Missing, f => ShuffleNet.Load(f["absent.safetensors"], BackendKind.Cpu)),
        ["ShuffleNet.Load(directory)"] = (Expect.Typed, f => ShuffleNet.Load(f["folder.safetensors"], BackendKind.Cpu)),
        ["ShuffleNet.Load(an image)"] = (Expect.Typed, f => ShuffleNet.Load(f["camera.png"], BackendKind.Cpu)),
        ["ShuffleNet.Load(cpuThreads -1)"] = (Expect.Typed, f => ShuffleNet.Load(f["tiny.safetensors"], BackendKind.Cpu, cpuThreads: -1)),
        ["ShuffleNet.Load(unknown backend)"] = (Expect.Typed, f => ShuffleNet.Load(f["tiny.safetensors"], (BackendKind)99)),
        ["ShuffleNet.FromWeights(null)"] = (Expect.Null, f => ShuffleNet.FromWeights(null!, BackendKind.Cpu)),
        ["ShuffleNet.FromWeights(cpuThreads -1)"] = (Expect.Typed, f => ShuffleNet.FromWeights(f.Weights, BackendKind.Cpu, -1)),
        ["ShuffleNet.FromWeights(cpuThreads int.MaxValue)"] = (Expect.Typed, f => ShuffleNet.FromWeights(f.Weights, BackendKind.Cpu, int.MaxValue)),
        ["ShuffleNet.FromWeights(unknown backend)"] = (Expect.Typed, f => ShuffleNet.FromWeights(f.Weights, (BackendKind)99)),

        // Run, RunLayer, Features, Embed, TimeResident
        ["Run(null)"] = (Expect.Null, f => f.Net.Run(null!)),
        ["Run(empty)"] = (Expect.Typed, f => f.Net.Run([])),
        ["Run(not a multiple of 3x224x224)"] = (Expect.Typed, f => f.Net.Run(new float[ShuffleNet.ImageElements + 1])),
        ["Run(short)"] = (Expect.Typed, f => f.Net.Run(new float[100])),
        ["RunLayer(null layer)"] = (Expect.Null, f => f.Net.RunLayer(f.Batch, null!)),
        ["RunLayer(empty layer)"] = (Expect.Typed, f => f.Net.RunLayer(f.Batch, "")),
        ["RunLayer(unknown layer)"] = (Expect.Typed, f => f.Net.RunLayer(f.Batch, "features.999")),
        ["RunLayer(empty batch)"] = (Expect.Typed, f => f.Net.RunLayer([], "first_conv")),
        ["RunLayer(null batch)"] = (Expect.Null, f => f.Net.RunLayer(null!, "first_conv")),
        ["Features(stage 1)"] = (Expect.Typed, f => f.Net.Features(f.Batch, 1)),
        ["Features(stage 6)"] = (Expect.Typed, f => f.Net.Features(f.Batch, 6)),
        ["Features(stage int.MinValue)"] = (Expect.Typed, f => f.Net.Features(f.Batch, [int.MinValue], embedding: true)),
        ["Features(null stages)"] = (Expect.Null, f => f.Net.Features(f.Batch, (int[])null!)),
        ["Features(null stage list)"] = (Expect.Null, f => f.Net.Features(f.Batch, (IReadOnlyList<int>)null!, embedding: true)),
        ["Features(empty batch)"] = (Expect.Typed, f => f.Net.Features([], 2)),
        ["Features(null batch)"] = (Expect.Null, f => f.Net.Features(null!, 2)),
        ["Embed(empty batch)"] = (Expect.Typed, f => f.Net.Embed([])),
        ["Embed(bad length)"] = (Expect.Typed, f => f.Net.Embed(new float[7])),
        ["Embed(null)"] = (Expect.Null, f => f.Net.Embed(null!)),
        ["TimeResident(runs 0)"] = (Expect.Typed, f => f.Net.TimeResident(f.Batch, 0)),
        ["TimeResident(runs -1)"] = (Expect.Typed, f => f.Net.TimeResident(f.Batch, -1)),
        ["TimeResident(empty batch)"] = (Expect.Typed, f => f.Net.TimeResident([], 1)),

        // FeatureMaps / FeatureMap
        ["FeatureMaps[stage 1]"] = (Expect.Typed, f => _ = f.Net.Features(f.Batch, 2)[1]),
        ["FeatureMaps[stage not requested]"] = (Expect.Typed, f => _ = f.Net.Features(f.Batch, 2)[3]),
        ["FeatureMap.Image(-1)"] = (Expect.Typed, f => f.Net.Features(f.Batch, 5)[5].Image(-1)),
        ["FeatureMap.Image(batch size)"] = (Expect.Typed, f => f.Net.Features(f.Batch, 5)[5].Image(1)),
        ["new FeatureMap(empty shape)"] = (Expect.Typed, f => _ = new FeatureMap("c2", [], []).Batch),
        ["new FeatureMap(shape != data)"] = (Expect.Typed, f => _ = new FeatureMap("c2", [2, 3], new float[5])),
        ["new FeatureMap(negative dimension)"] = (Expect.Typed, f => _ = new FeatureMap("c2", [-1, -3], new float[3])),
        ["new FeatureMap(null data)"] = (Expect.Null, f => _ = new FeatureMap("c2", [1], null!)),

        // ImagePreprocessor
        ["ImagePreprocessor.Load(null)"] = (Expect.Null, f => ImagePreprocessor.Load(null!)),
        ["ImagePreprocessor.Load(empty path)"] = (Expect.Typed, f => ImagePreprocessor.Load("")),
        ["ImagePreprocessor.Load(missing file)"] = (Expect.Missing, f => ImagePreprocessor.Load(f["absent.png"])),
        ["ImagePreprocessor.Load(directory)"] = (Expect.Typed, f => ImagePreprocessor.Load(f["folder.png"])),
        ["ImagePreprocessor.Load(not an image)"] = (Expect.Typed, f => ImagePreprocessor.Load(f["notes.png"])),
        ["ImagePreprocessor.Load(a checkpoint)"] = (Expect.Typed, f => ImagePreprocessor.Load(Fixtures.Checkpoint("tiny-shufflenetv2"))),
        ["ImagePreprocessor.Load(maxPixels 0)"] = (Expect.Typed, f => ImagePreprocessor.Load(f["camera.png"], maxPixels: 0)),
        ["ImagePreprocessor.Load(maxPixels -1)"] = (Expect.Typed, f => ImagePreprocessor.Load(f["camera.png"], maxPixels: -1)),
        ["ImagePreprocessor.Preprocess(width 0)"] = (Expect.Typed, f => ImagePreprocessor.Preprocess([], 0, 5)),
        ["ImagePreprocessor.Preprocess(negative size)"] = (Expect.Typed, f => ImagePreprocessor.Preprocess(new byte[3], -1, -1)),
        ["ImagePreprocessor.Preprocess(wrong byte count)"] = (Expect.Typed, f => ImagePreprocessor.Preprocess(new byte[10], 2, 2)),
        ["ImagePreprocessor.Preprocess(1 x 3M pixels)"] = (Expect.Typed, f => ImagePreprocessor.Preprocess(new byte[3 * 3_000_000], 1, 3_000_000)),
        ["ImagePreprocessor.ResizeLinear(width 0)"] = (Expect.Typed, f => ImagePreprocessor.ResizeLinear([], 0, 1, 3, 4, 4)),
        ["ImagePreprocessor.ResizeLinear(channels 0)"] = (Expect.Typed, f => ImagePreprocessor.ResizeLinear([], 1, 1, 0, 4, 4)),
        ["ImagePreprocessor.ResizeLinear(new size 0)"] = (Expect.Typed, f => ImagePreprocessor.ResizeLinear(new byte[3], 1, 1, 3, 0, 4)),
        ["ImagePreprocessor.ResizeLinear(wrong byte count)"] = (Expect.Typed, f => ImagePreprocessor.ResizeLinear(new byte[5], 1, 1, 3, 4, 4)),
        ["ImagePreprocessor.ResizeLinear(output over 2 GB)"] = (Expect.Typed, f => ImagePreprocessor.ResizeLinear(new byte[3], 1, 1, 3, 100_000, 100_000)),
        ["ImagePreprocessor.ResizeLinear(sizes overflow int)"] = (Expect.Typed, f => ImagePreprocessor.ResizeLinear(new byte[3], 1, 1, int.MaxValue, 2, 2)),

        ["ImagePreprocessor.FromEncoded(empty)"] = (Expect.Typed, f => ImagePreprocessor.FromEncoded([], "empty.jpg")),
        ["ImagePreprocessor.FromEncoded(not an image)"] = (Expect.Typed, f => ImagePreprocessor.FromEncoded("text"u8, "notes.png")),
        ["ImagePreprocessor.FromEncoded(JPEG headers only)"] = (Expect.Typed, f => ImagePreprocessor.FromEncoded([0xFF, 0xD8, 0xFF, 0xD9], "eoi.jpg")),
        ["ImagePreprocessor.FromEncoded(null name)"] = (Expect.Null, f => ImagePreprocessor.FromEncoded(File.ReadAllBytes(f["camera.png"]), null!)),
        ["ImagePreprocessor.FromEncoded(maxPixels 0)"] = (Expect.Typed, f => ImagePreprocessor.FromEncoded(File.ReadAllBytes(f["camera.png"]), "camera.png", maxPixels: 0)),
        ["ImagePreprocessor.FromEncoded(over maxPixels)"] = (Expect.Typed, f => ImagePreprocessor.FromEncoded(File.ReadAllBytes(f["camera.png"]), "camera.png", maxPixels: 100)),
        ["ImagePreprocessor.Load(null stream)"] = (Expect.Null, f => ImagePreprocessor.Load((Stream)null!, "upload")),
        ["ImagePreprocessor.Load(stream, not an image)"] = (Expect.Typed, f => ImagePreprocessor.Load(new MemoryStream("text"u8.ToArray()), "upload")),
        ["new PreprocessingPool(workers -1)"] = (Expect.Typed, f => _ = new ShuffleNetGpu.Imaging.Pipeline.PreprocessingPool(workers: -1)),
        ["PreprocessingPool.Load(null)"] = (Expect.Null, f => new ShuffleNetGpu.Imaging.Pipeline.PreprocessingPool(1).Load(null!).ToList()),

        // ShuffleNet.Classify
        ["ShuffleNet.Classify(null path)"] = (Expect.Null, f => f.Net.Classify((string)null!)),
        ["ShuffleNet.Classify(missing file)"] = (Expect.Missing, f => f.Net.Classify(f["absent.png"])),
        ["ShuffleNet.Classify(not an image)"] = (Expect.Typed, f => f.Net.Classify(f["notes.png"])),
        ["ShuffleNet.Classify(top 0)"] = (Expect.Typed, f => f.Net.Classify(f["camera.png"], top: 0)),
        ["ShuffleNet.Classify(null bytes)"] = (Expect.Null, f => f.Net.Classify((byte[])null!)),
        ["ShuffleNet.Classify(empty bytes)"] = (Expect.Typed, f => f.Net.Classify(Array.Empty<byte>())),
        ["ShuffleNet.Classify(null stream)"] = (Expect.Null, f => f.Net.Classify((Stream)null!)),

        // NetworkInput
        ["NetworkInput.Load(null)"] = (Expect.Null, f => NetworkInput.Load(null!, ModelFamily.V2)),
        ["NetworkInput.Load(empty path)"] = (Expect.Typed, f => NetworkInput.Load("", ModelFamily.V2)),
        ["NetworkInput.Load(missing .npy)"] = (Expect.Missing, f => NetworkInput.Load(f["absent.npy"], ModelFamily.V2)),
        ["NetworkInput.Load(missing image)"] = (Expect.Missing, f => NetworkInput.Load(f["absent.png"], ModelFamily.V2)),
        ["NetworkInput.Load(directory .npy)"] = (Expect.Typed, f => NetworkInput.Load(f["folder.npy"], ModelFamily.V2)),
        ["NetworkInput.Load(directory)"] = (Expect.Typed, f => NetworkInput.Load(f["folder"], ModelFamily.V2)),
        ["NetworkInput.Load(text as .npy)"] = (Expect.Typed, f => NetworkInput.Load(f["notes.npy"], ModelFamily.V2)),
        ["NetworkInput.Load(text file)"] = (Expect.Typed, f => NetworkInput.Load(f["notes.txt"], ModelFamily.V2)),
        ["NetworkInput.Load(wrong shape .npy)"] = (Expect.Typed, f => NetworkInput.Load(f["wrong-shape.npy"], ModelFamily.V2)),
        ["NetworkInput.Load(maxPixels 0)"] = (Expect.Typed, f => NetworkInput.Load(f["camera.png"], ModelFamily.V2, maxPixels: 0)),

        // CheckpointConverter
        ["CheckpointConverter.Convert(null)"] = (Expect.Null, f => CheckpointConverter.Convert(null!)),
        ["CheckpointConverter.Convert(empty path)"] = (Expect.Typed, f => CheckpointConverter.Convert("")),
        ["CheckpointConverter.Convert(missing file)"] = (Expect.Missing, f => CheckpointConverter.Convert(f["absent.pth.tar"])),
        ["CheckpointConverter.Convert(directory)"] = (Expect.Typed, f => CheckpointConverter.Convert(f["folder.pth.tar"])),
        ["CheckpointConverter.Convert(an image)"] = (Expect.Typed, f => CheckpointConverter.Convert(f["camera.png"])),
        ["CheckpointConverter.Convert(unknown model id)"] = (Expect.Typed, f => CheckpointConverter.Convert(Fixtures.Checkpoint("tiny-shufflenetv2"), new ConvertOptions { ExpectedModelId = "no-such-model" })),
        ["CheckpointConverter.ConvertToFile(null output)"] = (Expect.Null, f => CheckpointConverter.ConvertToFile(Fixtures.Checkpoint("tiny-shufflenetv2"), null!)),
        ["CheckpointConverter.ConvertToFile(empty output)"] = (Expect.Typed, f => CheckpointConverter.ConvertToFile(Fixtures.Checkpoint("tiny-shufflenetv2"), "")),
        ["CheckpointConverter.ConvertToFile(output is a directory)"] = (Expect.Typed, f => CheckpointConverter.ConvertToFile(Fixtures.Checkpoint("tiny-shufflenetv2"), f["folder"])),
        ["CheckpointConverter.ConvertToFile(output folder missing)"] = (Expect.Typed, f => CheckpointConverter.ConvertToFile(Fixtures.Checkpoint("tiny-shufflenetv2"), f["absent/x.safetensors"])),
        ["CheckpointConverter.ConvertToFile(missing checkpoint)"] = (Expect.Missing, f => CheckpointConverter.ConvertToFile(f["absent.pth.tar"], f["out.safetensors"])),
        ["CheckpointConverter.IsTrainingOnly(null)"] = (Expect.Null, f => CheckpointConverter.IsTrainingOnly(null!)),
    };

    /// <summary>The readers another change fixes (SafetensorsFile's missing file, the .npy reader): listed here so the
    /// contract covers them too.</summary>
    static readonly Dictionary<string, (Expect Expect, Action<Files> Call)> ReaderCases = new()
    {
        ["ModelWeights.Load(missing file)"] = (Expect.Missing, f => ModelWeights.Load(f["absent.safetensors"])),
        ["ModelWeights.Load(directory)"] = (Expect.Typed, f => ModelWeights.Load(f["folder.safetensors"])),
        ["ModelWeights.Load(an image)"] = (Expect.Typed, f => ModelWeights.Load(f["camera.png"])),
        ["NpyFile.Read(missing file)"] = (Expect.Missing, f => NpyFile.Read(f["absent.npy"])),
        ["NpyFile.Read(directory)"] = (Expect.Typed, f => NpyFile.Read(f["folder.npy"])),
        ["NpyFile.Read(text)"] = (Expect.Typed, f => NpyFile.Read(f["notes.npy"])),
        ["NpyFile.Read(10-byte version 2)"] = (Expect.Typed, f => NpyFile.Read(f["short-v2.npy"])),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];
    public static TheoryData<string> ReaderCaseNames => [.. ReaderCases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void BadInputToAPublicEntryPointIsATypedError(string name) => Check(name, Cases[name]);

    [Theory]
    [MemberData(nameof(ReaderCaseNames))]
    public void BadInputToTheFileReadersIsATypedError(string name) => Check(name, ReaderCases[name]);

    void Check(string name, (Expect Expect, Action<Files> Call) c)
    {
        var run = Task.Run(() => Record.Exception(() => c.Call(files)));
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), $"{name}: still running after 30 s");
        var e = run.Result;
        Assert.True(e is not null, $"{name}: returned without an error");
        string got = $"{name}: threw {e.GetType().FullName}: {e.Message}";
        switch (c.Expect)
        {
            case Expect.Null:
                Assert.True(e is ArgumentNullException, got);
                break;
            case Expect.Missing:
                Assert.True(e is FileNotFoundException, got);
                break;
            default:
                Assert.True(e is ShuffleNetException, got);
                Assert.DoesNotContain('\n', e.Message);
                break;
        }
    }
}
