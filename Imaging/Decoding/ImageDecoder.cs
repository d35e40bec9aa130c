using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using ShuffleNetGpu.Networks.IO;

namespace ShuffleNetGpu.Imaging.Decoding;

/// <summary>
/// Decodes an image file to RGB as PIL's <c>Image.open(f).convert('RGB')</c> does (what upstream evaluation uses):
/// grey expanded, alpha dropped without compositing, palette resolved, first frame only, no EXIF rotation, no colour
/// management (an ICC profile is ignored). JPEG goes to libjpeg-turbo (<see cref="JpegDecoder"/>, bit-identical to
/// PIL); the other formats to ImageSharp, whose pixels equal PIL's for the lossless formats accepted here.
/// </summary>
public static class ImageDecoder
{
    /// <summary>What the error messages list as accepted.</summary>
    public const string Formats = "PNG, JPEG, BMP, GIF, WebP, TGA, TIFF";

    /// <summary>Reads and decodes the image file at <paramref name="path"/>.</summary>
    /// <param name="path">The image file.</param>
    /// <param name="maxPixels">The most pixels (width x height) accepted; checked from the header before any pixel
    /// buffer is allocated (the decompression-bomb limit).</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="FileNotFoundException">there is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ImageFormatException">an empty path, a directory, an unreadable file, or not a decodable image
    /// within <paramref name="maxPixels"/>; the message names the file.</exception>
    public static DecodedImage Decode(string path, long maxPixels) => Decode(ReadFile(path), path, maxPixels);

    /// <summary>The bytes of the image file at <paramref name="path"/>; errors as <see cref="Decode(string, long)"/>.</summary>
    internal static byte[] ReadFile(string path)
    {
        InputFile.Require(path, "an image file", message => new ImageFormatException(message));
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Bad(path, $"cannot read the file: {OneLine(e.Message)}", e);
        }
    }

    /// <summary>As <see cref="Decode(ReadOnlySpan{byte}, string, long)"/>, but a JPEG stays RGBA in a pooled buffer
    /// (no RGB copy, no fresh large array per image: the preprocessing pool's path). Dispose the result.</summary>
    internal static PooledPixels DecodePooled(ReadOnlySpan<byte> encoded, string name, long maxPixels)
    {
        ArgumentNullException.ThrowIfNull(name);
        ImagePreprocessor.CheckMaxPixels(maxPixels);
        if (!encoded.IsEmpty && JpegDecoder.IsJpeg(encoded))
        {
            CompleteFile.CheckJpeg(encoded, name);
            return JpegDecoder.DecodeRgba(encoded, name, maxPixels);
        }
        var image = Decode(encoded, name, maxPixels);
        return new PooledPixels(image.Rgb, image.Width, image.Height, 3, Rented: false);
    }

    /// <summary>Decodes an encoded image held in memory.</summary>
    /// <param name="encoded">The file's bytes.</param>
    /// <param name="name">Names the image in error messages (a path, an upload's name).</param>
    /// <param name="maxPixels">The most pixels (width x height) accepted, checked from the header first.</param>
    /// <exception cref="ImageFormatException">not a decodable image within <paramref name="maxPixels"/>; the message
    /// names <paramref name="name"/>.</exception>
    public static DecodedImage Decode(ReadOnlySpan<byte> encoded, string name, long maxPixels)
    {
        ArgumentNullException.ThrowIfNull(name);
        ImagePreprocessor.CheckMaxPixels(maxPixels);
        if (encoded.IsEmpty) throw Bad(name, "the file is empty, expected an image");
        if (JpegDecoder.IsJpeg(encoded))
        {
            // libjpeg-turbo reads the header (and the pixel limit is checked) before any pixel buffer is allocated.
            CompleteFile.CheckJpeg(encoded, name);
            return JpegDecoder.Decode(encoded, name, maxPixels);
        }
        try
        {
            // Header only: refuse huge images before any pixel buffer is allocated.
            IImageInfo? info;
            IImageFormat? format;
            unsafe
            {
                fixed (byte* p = encoded)
                {
                    using var stream = new UnmanagedMemoryStream(p, encoded.Length);
                    info = Image.Identify(stream, out format);
                }
            }
            if (info is null || format is null) throw Bad(name, $"not a recognised image format ({Formats})");
            CheckSize(name, info.Width, info.Height, maxPixels);
            if (format is PngFormat) CompleteFile.CheckPng(encoded, name);
            return DecodeWithImageSharp(encoded);
        }
        catch (ImageFormatException) { throw; }
        catch (UnknownImageFormatException)
        {
            throw Bad(name, $"not a recognised image format ({Formats})");
        }
        // NullReferenceException: ImageSharp 2.1 throws it on some damaged headers (its JPEG reader did in fuzzing).
        catch (Exception e) when (e is SixLabors.ImageSharp.ImageFormatException or NotSupportedException or IOException
                                      or InvalidDataException or ArgumentException or IndexOutOfRangeException
                                      or InvalidOperationException or NullReferenceException)
        {
            throw Bad(name, $"cannot decode image: {OneLine(e.Message)}", e);
        }
    }

    /// <summary>Refuses an empty size or one over the pixel limit (the decompression-bomb check), from the header.</summary>
    internal static void CheckSize(string name, int width, int height, long maxPixels)
    {
        if (width <= 0 || height <= 0) throw Bad(name, $"image header declares an empty size {width}x{height}");
        long pixels = (long)width * height;
        if (pixels > maxPixels)
            throw Bad(name, $"image is {width}x{height} = {pixels} pixels, more than the limit of {maxPixels}");
    }

    /// <summary>Rgb24 target: grey is expanded, palette resolved, alpha dropped without compositing (as PIL
    /// <c>convert('RGB')</c>); only the first frame is used; EXIF orientation is not applied.</summary>
    static DecodedImage DecodeWithImageSharp(ReadOnlySpan<byte> encoded)
    {
        using Image<Rgb24> image = Image.Load<Rgb24>(encoded);
        int width = image.Width, height = image.Height;
        var rgb = new byte[(long)width * height * 3];
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < accessor.Height; y++)
                MemoryMarshal.AsBytes(accessor.GetRowSpan(y)).CopyTo(rgb.AsSpan(y * width * 3, width * 3));
        });
        return new DecodedImage(rgb, width, height);
    }

    internal static ImageFormatException Bad(string name, string problem, Exception? inner = null)
        => inner is null ? new($"{name}: {problem}") : new($"{name}: {problem}", inner);

    internal static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
