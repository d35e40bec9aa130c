namespace ShuffleNetGpu.Converter.Torch;

/// <summary>Reads the state dict of a PyTorch checkpoint (legacy or zip torch.save format) without Python and
/// without running any pickle code. Safe on hostile input: every failure, whatever its cause, is a
/// <see cref="CheckpointFormatException"/> naming the file; sizes are checked before memory is allocated.</summary>
public static class TorchCheckpointReader
{
    /// <summary>Reads a checkpoint file.</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="CheckpointFormatException">The path is empty or a directory, or the file is empty, unreadable or
    /// not a valid, allowed checkpoint.</exception>
    public static TorchCheckpoint Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.IsNullOrWhiteSpace(path)) throw new CheckpointFormatException(path, "the path is empty, expected a checkpoint file");
        if (Directory.Exists(path)) throw new CheckpointFormatException(path, "is a directory, expected a checkpoint file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found, expected a checkpoint file", path);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException(path, $"cannot be opened ({e.Message})", e);
        }
        using (file) return ReadCore(file, path);
    }

    /// <summary>Reads a checkpoint from a stream, from its current position to its end; <paramref name="displayName"/>
    /// names it in errors. A stream that cannot seek, or does not start at position 0, is first copied into memory.</summary>
    /// <exception cref="CheckpointFormatException">The data is not a valid, allowed checkpoint.</exception>
    public static TorchCheckpoint Read(Stream stream, string displayName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(displayName);
        if (!stream.CanRead) throw new ArgumentException("the stream cannot be read", nameof(stream));
        if (stream.CanSeek && stream.Position == 0) return ReadCore(stream, displayName);

        // Both layouts need the length that is left (to bound every allocation), and ZipArchive seeks to
        // offsets counted from the start of the stream: anything else is first copied into memory.
        var copy = new MemoryStream();
        try
        {
            stream.CopyTo(copy);
        }
        catch (IOException e)
        {
            throw new CheckpointFormatException(displayName, $"cannot be read ({e.Message})", e);
        }
        copy.Position = 0;
        return ReadCore(copy, displayName);
    }

    private static TorchCheckpoint ReadCore(Stream stream, string displayName)
    {
        try
        {
            if (stream.Length - stream.Position == 0) throw new TorchFormatError("the file is empty");
            bool zip = StartsWithZipSignature(stream);
            var tensors = zip ? ZipCheckpointReader.Read(stream) : LegacyCheckpointReader.Read(stream);
            return new TorchCheckpoint(displayName, zip ? "zip" : "legacy", tensors);
        }
        catch (TorchFormatError e)
        {
            throw new CheckpointFormatException(displayName, e.Message, e);
        }
        catch (EndOfStreamException e)
        {
            throw new CheckpointFormatException(displayName, "ends early (truncated file)", e);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(displayName, $"is corrupt ({e.Message})", e);
        }
        catch (IOException e)
        {
            throw new CheckpointFormatException(displayName, $"cannot be read ({e.Message})", e);
        }
        catch (OverflowException e)
        {
            throw new CheckpointFormatException(displayName, "a size or count in the file overflows", e);
        }
    }

    private static ReadOnlySpan<byte> ZipSignature => [(byte)'P', (byte)'K', 3, 4];   // a zip's first local header

    private static bool StartsWithZipSignature(Stream stream)
    {
        long start = stream.Position;
        Span<byte> head = stackalloc byte[4];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = start;
        return read == 4 && head.SequenceEqual(ZipSignature);
    }
}
