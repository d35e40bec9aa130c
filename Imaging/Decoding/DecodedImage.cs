namespace ShuffleNetGpu.Imaging.Decoding;

/// <summary>Decoded pixels: <see cref="Height"/> rows of <see cref="Width"/> pixels, 3 bytes (R, G, B) each, as PIL's
/// <c>np.asarray(Image.open(f).convert('RGB'))</c>.</summary>
/// <param name="Rgb">The pixels, row-major, interleaved R, G, B.</param>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
public sealed record DecodedImage(byte[] Rgb, int Width, int Height);
