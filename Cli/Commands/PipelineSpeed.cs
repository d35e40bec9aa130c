using ShuffleNetGpu.Imaging.Pipeline;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary>classify's and eval's speed report: decoding and the network apart, so the slower stage shows, and the whole
/// pipeline (they overlap). The engine's figure counts the time it had work (the wall time less the waits for decoded
/// images), so with overlap it includes the copies and whatever the decoders took from the same cores.</summary>
static class PipelineSpeed
{
    public static string Describe(PreprocessingPool pool, int images, StreamedBatches.Timing timing, string device) =>
        $"decode: {pool.ImagesPerSecond:F1} images/s ({pool.Workers} workers, {pool.Images} images); " +
        $"engine: {Rate(images, timing.Engine):F1} images/s on {device}; " +
        $"pipeline: {Rate(images, timing.Wall):F1} images/s (decode and engine overlapped)";

    static double Rate(int images, TimeSpan time) => time > TimeSpan.Zero ? images / time.TotalSeconds : 0;
}
