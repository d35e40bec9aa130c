using ShuffleNetGpu.Imaging.Pipeline;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>classify's and eval's speed report: decoding and the network apart, so the slower stage shows.</summary>
static class PipelineSpeed
{
    public static string Describe(PreprocessingPool pool, int images, TimeSpan engine, string device) =>
        $"decode: {pool.ImagesPerSecond:F1} images/s ({pool.Workers} workers, {pool.Images} images); " +
        $"engine: {(engine > TimeSpan.Zero ? images / engine.TotalSeconds : 0):F1} images/s on {device}";
}
