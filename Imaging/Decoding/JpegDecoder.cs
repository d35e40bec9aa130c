using System.Buffers;
using SkiaSharp;

namespace ShuffleNetGpu.Imaging.Decoding;

/// <summary>
/// JPEG through Skia's bundled libjpeg-turbo with libjpeg's defaults (ISLOW integer IDCT, "fancy" triangular chroma
/// upsampling): the decoder PIL and OpenCV use, so the pixels are bit-identical to upstream's. ImageSharp's JPEG
/// decoder (float IDCT, chroma replicated) differs by up to 38 grey levels on 4:2:0 photographs.
/// </summary>
static class JpegDecoder
{
    /// <summary>Whether <paramref name="encoded"/> starts as a JPEG does (start-of-image marker, then another marker).</summary>
    public static bool IsJpeg(ReadOnlySpan<byte> encoded) => encoded.Length >= 3 && encoded[0] == 0xFF && encoded[1] == 0xD8 && encoded[2] == 0xFF;

    /// <summary>Decodes to interleaved RGB. No EXIF rotation and no colour management (no target colour space), as
    /// PIL's <c>convert('RGB')</c>; CMYK / YCCK files are converted by libjpeg-turbo + Skia's inverted-CMYK rule.</summary>
    /// <exception cref="ImageFormatException">libjpeg-turbo rejects the data, or the header declares more than
    /// <paramref name="maxPixels"/> pixels.</exception>
    public static DecodedImage Decode(ReadOnlySpan<byte> encoded, string name, long maxPixels)
    {
        using var rgba = DecodeRgba(encoded, name, maxPixels);
        var rgb = new byte[(long)rgba.Width * rgba.Height * 3];
        ReadOnlySpan<byte> source = rgba.Pixels;
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3)
        {
            rgb[j] = source[i];
            rgb[j + 1] = source[i + 1];
            rgb[j + 2] = source[i + 2];
        }
        return new DecodedImage(rgb, rgba.Width, rgba.Height);
    }

    /// <summary>Decodes to RGBA (alpha 255) in a pooled buffer, as <see cref="Decode"/> does otherwise: the
    /// preprocessing reads RGBA directly, so no RGB copy is made.</summary>
    /// <exception cref="ImageFormatException">libjpeg-turbo rejects the data, or the header declares more than
    /// <paramref name="maxPixels"/> pixels.</exception>
    public static unsafe PooledPixels DecodeRgba(ReadOnlySpan<byte> encoded, string name, long maxPixels)
    {
        fixed (byte* p = encoded)
        {
            using var data = SKData.Create((nint)p, encoded.Length);
            using var codec = SKCodec.Create(data) ?? throw ImageDecoder.Bad(name, "cannot decode JPEG: libjpeg-turbo rejects the header");
            int width = codec.Info.Width, height = codec.Info.Height;
            ImageDecoder.CheckSize(name, width, height, maxPixels);
            // RGBA, unpremultiplied, no colour space: libjpeg-turbo writes JCS_EXT_RGBA directly.
            var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            long length = (long)width * height * 4;
            if (length > Array.MaxLength)
                throw ImageDecoder.Bad(name, $"image is {width}x{height}: {length} RGBA bytes do not fit one array (at most {Array.MaxLength})");
            var pixels = new PooledPixels(ArrayPool<byte>.Shared.Rent((int)length), width, height, 4, Rented: true);
            try
            {
                SKCodecResult result;
                fixed (byte* target = pixels.Buffer) result = codec.GetPixels(info, (nint)target);
                if (result != SKCodecResult.Success) throw ImageDecoder.Bad(name, $"cannot decode JPEG: {result}");
                return pixels;
            }
            catch
            {
                pixels.Dispose();
                throw;
            }
        }
    }
}
