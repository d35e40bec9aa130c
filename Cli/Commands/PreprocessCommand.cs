using System.CommandLine;
using ShuffleNetGpu.Cli.Options;
using ShuffleNetGpu.Imaging;
using ShuffleNetGpu.Networks.Config;
using ShuffleNetGpu.Runtime.IO;

namespace ShuffleNetGpu.Cli.Commands;

static class PreprocessCommand
{
    public static Command Create(TextWriter output)
    {
        var image = new Argument<string>("image") { Description = "PNG, JPEG, BMP, GIF, WebP, TGA or TIFF." };
        var outPath = new Option<string>("--output", "-o") { Description = "The .npy to write: 1 x 3 x 224 x 224 float32, BGR 0..255.", Required = true };
        var family = ChoiceOption.Create("--family", "The model family; 'large' also subtracts ShuffleNetV2.Large's mean image.",
            Enum.GetValues<ModelFamily>().Select(Networks.Weights.ModelWeights.JsonFamilyName).ToArray());
        var maxPixels = NumberOption.Create("--max-pixels", "Refuse images larger than this (decompression-bomb limit).", ImagePreprocessor.DefaultMaxPixels, min: 1L);
        var command = new Command("preprocess", "The exact network input upstream evaluation makes from an image (short side 256, centre crop 224, BGR).")
        {
            image, outPath, family, maxPixels,
        };
        command.SetAction(parse =>
        {
            bool large = parse.GetValue(family) == "large";
            OutputPath.Check("--output", parse.GetValue(outPath)!, ".npy", parse.GetValue(image));
            var input = ImagePreprocessor.Load(parse.GetValue(image)!, large, parse.GetValue(maxPixels));
            NpyFile.Write(parse.GetValue(outPath)!, [1, 3, 224, 224], input);
            output.WriteLine($"{parse.GetValue(outPath)}: 1 x 3 x 224 x 224{(large ? ", Large mean subtracted" : "")}");
            return 0;
        });
        return command;
    }
}
