namespace ShuffleNetGpu.Runtime.IO;

/// <summary>
/// An image for ShuffleNetV2.Large preprocessed at its own size (no 224 x 224 crop) with no mean given: Large's input
/// is the image minus a 224 x 224 mean image that fits only upstream's evaluation crop, and neither a resized mean
/// image nor its channel averages is what the network was trained on, so the caller chooses. The message names the file
/// and the choices.
/// </summary>
/// <param name="message">One line: the file, why, and the options that work.</param>
public sealed class MeanImageException(string message) : ShuffleNetException(message);
