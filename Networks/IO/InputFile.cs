namespace ShuffleNetGpu.Networks.IO;

/// <summary>
/// The checks a file-reading entry point makes before it opens its file, so that every one answers alike: a null path is
/// an <see cref="ArgumentNullException"/> (a caller bug), a missing file a <see cref="FileNotFoundException"/>, and an
/// empty path or a directory the entry point's own <see cref="ShuffleNetException"/> subclass.
/// </summary>
public static class InputFile
{
    /// <summary>Throws unless <paramref name="path"/> names an existing file.</summary>
    /// <param name="path">The path the caller passed.</param>
    /// <param name="expected">What the file should be, for the message (e.g. <c>an image file</c>).</param>
    /// <param name="typed">Makes the entry point's exception from a one-line message.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="FileNotFoundException">there is no file at <paramref name="path"/>.</exception>
    public static void Require(string path, string expected, Func<string, ShuffleNetException> typed)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.IsNullOrWhiteSpace(path)) throw typed($"the path is empty, expected {expected}");
        if (Directory.Exists(path)) throw typed($"{path}: is a directory, expected {expected}");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found, expected {expected}", path);
    }
}
