using System.Runtime.Intrinsics;
using ShuffleNetGpu.Imaging.Decoding;

namespace ShuffleNetGpu.Imaging;

/// <summary>
/// The upstream ShuffleNet-Series evaluation preprocessing, reproduced exactly: decode to RGB as PIL's
/// <c>convert('RGB')</c> does, resize the short side to 256 with OpenCV's <c>INTER_LINEAR</c> on 8-bit pixels,
/// centre-crop 224, emit B, G, R planes as float 0..255 (no normalisation), optionally minus the Large mean image.
/// </summary>
public static class ImagePreprocessor
{
    /// <summary>The crop (224 pixels square) and the short side it is cut from (256 pixels).</summary>
    public const int OutputSize = 224, ResizeShortSide = 256;
    /// <summary>The default pixel limit (width x height) of a decoded image: 100 million.</summary>
    public const long DefaultMaxPixels = 100_000_000;

    const int PlaneSize = OutputSize * OutputSize;

    /// <summary>The ShuffleNetV2.Large mean image, 3x224x224 float32 (B, G, R planes). Returns a copy of the
    /// array loaded once from the embedded <c>large_mean.npy</c>.</summary>
    public static float[] LargeMean => (float[])LargeMeanImage.Data.Clone();

    /// <summary>
    /// Decodes (PNG, JPEG, BMP, GIF first frame, WebP, TGA, TIFF) to RGB as PIL <c>convert('RGB')</c> does
    /// (<see cref="ImageDecoder"/>: JPEG bit-identical through libjpeg-turbo, grey expanded, alpha dropped without
    /// compositing, palette resolved, no EXIF rotation), checks width*height &lt;= <paramref name="maxPixels"/> from
    /// the header before decoding pixels, then preprocesses. Returns 3 x 224 x 224 floats (B, G, R planes, 0..255, or
    /// minus the Large mean).
    /// </summary>
    /// <param name="path">The image file.</param>
    /// <param name="subtractLargeMean">Subtract <see cref="LargeMean"/> (the ShuffleNetV2.Large input).</param>
    /// <param name="maxPixels">The most pixels (width x height) accepted, before and after the short-side resize.</param>
    /// <exception cref="FileNotFoundException">there is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ImageFormatException">the path is empty or a directory, or the file is not a readable image
    /// within <paramref name="maxPixels"/>.</exception>
    /// <exception cref="ShuffleNetException"><paramref name="maxPixels"/> is less than 1.</exception>
    public static float[] Load(string path, bool subtractLargeMean = false, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckMaxPixels(maxPixels);
        return FromEncoded(ImageDecoder.ReadFile(path), path, subtractLargeMean, maxPixels);
    }

    /// <summary>
    /// Encoded image bytes (a file's contents, an upload) to the network input: decodes as <see cref="Load(string, bool, long)"/> does,
    /// then preprocesses. Returns 3 x 224 x 224 floats (B, G, R planes, 0..255, or minus the Large mean).
    /// </summary>
    /// <param name="encoded">The image file's bytes (PNG, JPEG, BMP, GIF, WebP, TGA, TIFF).</param>
    /// <param name="name">Names the image in error messages.</param>
    /// <param name="subtractLargeMean">Subtract <see cref="LargeMean"/> (the ShuffleNetV2.Large input).</param>
    /// <param name="maxPixels">The most pixels (width x height) accepted, before and after the short-side resize.</param>
    /// <exception cref="ImageFormatException">not a readable image within <paramref name="maxPixels"/>; the message
    /// names <paramref name="name"/>.</exception>
    /// <exception cref="ShuffleNetException"><paramref name="maxPixels"/> is less than 1.</exception>
    public static float[] FromEncoded(ReadOnlySpan<byte> encoded, string name, bool subtractLargeMean = false, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(name);
        CheckMaxPixels(maxPixels);
        using var pixels = ImageDecoder.DecodePooled(encoded, name, maxPixels);
        try
        {
            return Preprocess(pixels.Pixels, pixels.Width, pixels.Height, pixels.BytesPerPixel, subtractLargeMean, maxPixels);
        }
        catch (ShuffleNetException e) when (e is not ImageFormatException)
        {
            throw Bad(name, e.Message);
        }
    }

    /// <summary>An encoded image read from <paramref name="stream"/> to its end; see <see cref="FromEncoded"/>.</summary>
    /// <param name="stream">The image file's bytes.</param>
    /// <param name="name">Names the image in error messages.</param>
    /// <param name="subtractLargeMean">Subtract <see cref="LargeMean"/> (the ShuffleNetV2.Large input).</param>
    /// <param name="maxPixels">The most pixels (width x height) accepted, before and after the short-side resize.</param>
    /// <exception cref="ImageFormatException">not a readable image within <paramref name="maxPixels"/>, or the stream
    /// fails; the message names <paramref name="name"/>.</exception>
    public static float[] Load(Stream stream, string name, bool subtractLargeMean = false, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        var buffer = new MemoryStream();
        try { stream.CopyTo(buffer); }
        catch (IOException e) { throw new ImageFormatException($"{name}: cannot read the stream: {e.Message.ReplaceLineEndings(" ")}", e); }
        return FromEncoded(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), name, subtractLargeMean, maxPixels);
    }

    /// <summary>Preprocesses a decoded image; a size problem becomes an <see cref="ImageFormatException"/> naming it.</summary>
    /// <param name="image">The decoded pixels.</param>
    /// <param name="name">Names the image in error messages.</param>
    /// <param name="subtractLargeMean">Subtract <see cref="LargeMean"/> (the ShuffleNetV2.Large input).</param>
    /// <param name="maxPixels">The most pixels the image may have, before and after the short-side resize.</param>
    /// <exception cref="ImageFormatException">the image is too large once resized.</exception>
    public static float[] Preprocess(DecodedImage image, string name, bool subtractLargeMean = false, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(image);
        try
        {
            return Preprocess(image.Rgb, image.Width, image.Height, subtractLargeMean, maxPixels);
        }
        catch (ShuffleNetException e) when (e is not ImageFormatException)
        {
            throw Bad(name, e.Message);
        }
    }

    /// <summary>Preprocesses already-decoded interleaved RGB bytes (height x width x 3); returns 3 x 224 x 224 floats
    /// (B, G, R planes).</summary>
    /// <param name="rgb">The pixels, row-major, 3 bytes (R, G, B) each.</param>
    /// <param name="width">Pixels per row.</param>
    /// <param name="height">Rows.</param>
    /// <param name="subtractLargeMean">Subtract <see cref="LargeMean"/> (the ShuffleNetV2.Large input).</param>
    /// <param name="maxPixels">The most pixels the image may have, before and after the short-side resize (a very
    /// long, thin image grows when its short side becomes 256).</param>
    /// <exception cref="ShuffleNetException">an empty size, a byte count that is not width x height x 3, or more than
    /// <paramref name="maxPixels"/> pixels.</exception>
    public static float[] Preprocess(ReadOnlySpan<byte> rgb, int width, int height, bool subtractLargeMean = false, long maxPixels = DefaultMaxPixels)
    {
        CheckMaxPixels(maxPixels);
        if (width <= 0 || height <= 0) throw new ShuffleNetException($"image size {width}x{height} is empty, expected at least 1x1");
        if (rgb.Length != (long)width * height * 3)
            throw new ShuffleNetException($"expected {(long)width * height * 3} RGB bytes for {width}x{height}, got {rgb.Length}");
        return Preprocess(rgb, width, height, 3, subtractLargeMean, maxPixels);
    }

    /// <summary>RGB or RGBA pixels (checked sizes) to the network input: resize and crop in one pass
    /// (<see cref="ResizeCrop"/>, bit-identical to <see cref="ResizeLinear"/> then cropping).</summary>
    static float[] Preprocess(ReadOnlySpan<byte> pixels, int width, int height, int bytesPerPixel, bool subtractLargeMean, long maxPixels)
    {
        if ((long)width * height > maxPixels)
            throw new ShuffleNetException($"image is {width}x{height} = {(long)width * height} pixels, more than the limit of {maxPixels}");
        var (resizedWidth, resizedHeight) = ResizedSizeExact(width, height);
        if (resizedWidth * resizedHeight > maxPixels)
            throw new ShuffleNetException(
                $"image {width}x{height} becomes {resizedWidth:0}x{resizedHeight:0} when its short side is resized to {ResizeShortSide}: more than the limit of {maxPixels} pixels");

        var (newWidth, newHeight) = ResizedSize(width, height);

        // Python 3 round() is half-to-even, as is Math.Round(double) (chelsea.png: 385 wide -> offset 80).
        int left = (int)Math.Round((newWidth - OutputSize) / 2.0);
        int top = (int)Math.Round((newHeight - OutputSize) / 2.0);

        // Every element is written below: no need to zero 588 KB first.
        float[] output = GC.AllocateUninitializedArray<float>(3 * PlaneSize);
        ResizeCrop.ToPlanes(pixels, width, height, bytesPerPixel, newWidth, newHeight, left, top, OutputSize, OutputSize, output);
        if (subtractLargeMean)
        {
            float[] mean = LargeMeanImage.Data;
            for (int i = 0; i < output.Length; i++) output[i] -= mean[i];
        }
        return output;
    }

    /// <summary>The size after the short-side resize: short side 256, long side <c>int(256 / short * long + 0.5)</c>
    /// evaluated in double as Python does.</summary>
    internal static (int Width, int Height) ResizedSize(int width, int height)
    {
        var (w, h) = ResizedSizeExact(width, height);
        return ((int)w, (int)h);
    }

    /// <summary><see cref="ResizedSize"/> before the conversion to int (which a very thin image would overflow).</summary>
    static (double Width, double Height) ResizedSizeExact(int width, int height)
    {
        if (width <= height) return (ResizeShortSide, Math.Floor((double)ResizeShortSide / width * height + 0.5));
        return (Math.Floor((double)ResizeShortSide / height * width + 0.5), ResizeShortSide);
    }

    /// <summary>Refuses a pixel limit below 1, as every entry point taking one does.</summary>
    /// <exception cref="ShuffleNetException"><paramref name="maxPixels"/> is less than 1.</exception>
    public static void CheckMaxPixels(long maxPixels)
    {
        if (maxPixels < 1) throw new ShuffleNetException($"the pixel limit must be 1 or more, not {maxPixels}");
    }

    /// <summary>
    /// OpenCV <c>cv2.resize(..., interpolation=INTER_LINEAR)</c> on 8-bit interleaved pixels, bit-exact.
    /// </summary>
    /// <remarks>
    /// OpenCV does not compute a float bilinear blend for 8-bit images: it rounds the weights to 11-bit fixed point,
    /// runs the horizontal pass in int32 and the vertical pass with truncating shifts. A float resize is off by one
    /// grey level on about 12% of pixels, so the integer arithmetic is reproduced here step by step (SPEC.md,
    /// "Clarifications"). Vertically OpenCV clamps the source rows at the image edges but keeps the unclamped
    /// weights (resizeGeneric_Invoker); horizontally it clamps the index and zeroes the fraction.
    /// </remarks>
    /// <param name="src">The source pixels, row-major, <paramref name="channels"/> bytes each.</param>
    /// <param name="width">Source pixels per row.</param>
    /// <param name="height">Source rows.</param>
    /// <param name="channels">Bytes per pixel.</param>
    /// <param name="newWidth">Destination pixels per row.</param>
    /// <param name="newHeight">Destination rows.</param>
    /// <returns>The destination pixels, <paramref name="newHeight"/> x <paramref name="newWidth"/> x <paramref name="channels"/> bytes.</returns>
    /// <exception cref="ShuffleNetException">a size below 1, a byte count that is not width x height x channels, or a
    /// destination (or the intermediate rows, height x newWidth x channels) too large for one array.</exception>
    public static byte[] ResizeLinear(ReadOnlySpan<byte> src, int width, int height, int channels, int newWidth, int newHeight)
    {
        if (width <= 0 || height <= 0 || newWidth <= 0 || newHeight <= 0 || channels <= 0)
            throw new ShuffleNetException($"cannot resize {width}x{height}x{channels} to {newWidth}x{newHeight}: every size must be 1 or more");
        if (src.Length != (long)width * height * channels)
            throw new ShuffleNetException($"expected {(long)width * height * channels} bytes for {width}x{height}x{channels}, got {src.Length}");
        long rows = (long)height * newWidth * channels, output = (long)newHeight * newWidth * channels;
        if (Math.Max(rows, output) > Array.MaxLength)
            throw new ShuffleNetException(
                $"cannot resize {width}x{height}x{channels} to {newWidth}x{newHeight}: {Math.Max(rows, output)} values do not fit one array (at most {Array.MaxLength})");

        // Horizontal tables: source columns and the two 11-bit weights per destination column.
        double scaleX = LinearTaps.Scale(width, newWidth);
        var xs0 = new int[newWidth];
        var xs1 = new int[newWidth];
        var xa0 = new int[newWidth];
        var xa1 = new int[newWidth];
        for (int dx = 0; dx < newWidth; dx++)
            (xs0[dx], xs1[dx], xa0[dx], xa1[dx]) = LinearTaps.Column(dx, scaleX, width);

        // Horizontal pass over every source row (int32 sums, weights 2^11 in total).
        int rowLength = newWidth * channels;
        var h = new int[height * rowLength];
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> s = src.Slice(y * width * channels, width * channels);
            Span<int> d = h.AsSpan(y * rowLength, rowLength);
            for (int dx = 0; dx < newWidth; dx++)
            {
                int i0 = xs0[dx] * channels;
                int i1 = xs1[dx] * channels; // weight is 0 when clamped
                for (int c = 0; c < channels; c++)
                    d[dx * channels + c] = s[i0 + c] * xa0[dx] + s[i1 + c] * xa1[dx];
            }
        }

        // Vertical pass: (H >> 4) * b >> 16 per tap, then + 2 >> 2 (2 * 11 - 4 - 16 = 2 fractional bits left).
        double scaleY = LinearTaps.Scale(height, newHeight);
        var dst = new byte[newHeight * rowLength];
        for (int dy = 0; dy < newHeight; dy++)
        {
            var (r0, r1, b0, b1) = LinearTaps.Row(dy, scaleY, height);
            ReadOnlySpan<int> h0 = h.AsSpan(r0 * rowLength, rowLength), h1 = h.AsSpan(r1 * rowLength, rowLength);
            BlendRows(h0, h1, b0, b1, dst.AsSpan(dy * rowLength, rowLength));
        }
        return dst;
    }

    /// <summary>
    /// The vertical pass of one destination row: <c>d = sat8(((h0 >> 4) * b0 >> 16) + ((h1 >> 4) * b1 >> 16) + 2 >> 2)</c>.
    /// Vectorised with <see cref="Vector256{T}"/> (32 pixels a step: the same integer operations, so the same bits),
    /// the remainder scalar; <paramref name="simd"/> = false forces the scalar path (tests compare the two).
    /// </summary>
    internal static void BlendRows(ReadOnlySpan<int> h0, ReadOnlySpan<int> h1, int b0, int b1, Span<byte> d, bool simd = true)
    {
        int i = 0;
        if (simd && Vector256.IsHardwareAccelerated)
        {
            var w0 = Vector256.Create(b0);
            var w1 = Vector256.Create(b1);
            for (; i <= d.Length - 32; i += 32)
            {
                var a = Blend8(h0, h1, i, w0, w1);
                var b = Blend8(h0, h1, i + 8, w0, w1);
                var c = Blend8(h0, h1, i + 16, w0, w1);
                var e = Blend8(h0, h1, i + 24, w0, w1);
                // Values are clamped to 0..255 already, so the truncating narrows are exact.
                var bytes = Vector256.Narrow(Vector256.Narrow(a, b).AsUInt16(), Vector256.Narrow(c, e).AsUInt16());
                bytes.CopyTo(d[i..]);
            }
        }
        for (; i < d.Length; i++)
        {
            int v = ((((h0[i] >> 4) * b0) >> 16) + (((h1[i] >> 4) * b1) >> 16) + 2) >> 2;
            d[i] = (byte)Math.Clamp(v, 0, 255);
        }
    }

    static Vector256<int> Blend8(ReadOnlySpan<int> h0, ReadOnlySpan<int> h1, int i, Vector256<int> w0, Vector256<int> w1)
    {
        var t0 = Vector256.ShiftRightArithmetic(Vector256.ShiftRightArithmetic(Vector256.Create(h0.Slice(i, 8)), 4) * w0, 16);
        var t1 = Vector256.ShiftRightArithmetic(Vector256.ShiftRightArithmetic(Vector256.Create(h1.Slice(i, 8)), 4) * w1, 16);
        var v = Vector256.ShiftRightArithmetic(t0 + t1 + Vector256.Create(2), 2);
        return Vector256.Min(Vector256.Max(v, Vector256<int>.Zero), Vector256.Create(255));
    }

    static ImageFormatException Bad(string name, string problem) => new($"{name}: {problem}");
}
