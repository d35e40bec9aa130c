namespace ShuffleNetGpu.Networks.IO;

/// <summary>
/// Writes one file, or a group of files that belong together (an <c>.npy</c> and its file list, a command's feature
/// maps), so that a reader never sees a half-written file or half a group: each file is written to a temporary file in
/// its own folder (a rename within a folder does not copy), flushed to disk, then renamed over its target by
/// <see cref="Commit"/>. Committing a group first moves the targets it replaces aside, so that if one rename fails the
/// renamed ones are undone and the old files restored: the group appears together or not at all (short of a crash in
/// the middle of the renames). Disposed uncommitted, or when anything fails, every temporary file is deleted and the
/// targets are left as they were. Written by hand: .NET has no multi-file transaction and the pattern is a few lines.
/// </summary>
public sealed class AtomicFileWriter : IDisposable
{
    readonly List<(string Target, string Temp, FileStream Stream)> _files = [];
    bool _done;

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/> and commits it.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        using var writer = new AtomicFileWriter();
        write(writer.Open(path));
        writer.Commit();
    }

    /// <summary>Starts <paramref name="path"/>: the stream of its temporary file (owned by this writer).</summary>
    /// <exception cref="ShuffleNetException">The path's folder does not exist, the path is a folder, or the group
    /// already holds it.</exception>
    public FileStream Open(string path)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new ShuffleNetException($"{path}: output folder {dir} does not exist");
        if (Directory.Exists(full)) throw new ShuffleNetException($"{path}: is a folder, expected a file name");
        if (_files.Any(f => f.Target == full)) throw new ShuffleNetException($"{path}: written twice in one group");
        string temp = SiblingName(full, "tmp");
        var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        _files.Add((full, temp, stream));
        return stream;
    }

    /// <summary>Flushes every file to disk and renames them all into place (replacing files there), or none.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        var backups = new List<(string Target, string Backup)>();
        var renamed = new List<string>();
        try
        {
            foreach (var f in _files)
            {
                f.Stream.Flush(flushToDisk: true);
                f.Stream.Dispose();
            }
            if (_files.Count > 1)
                foreach (var f in _files.Where(f => File.Exists(f.Target)))
                {
                    string backup = SiblingName(f.Target, "old");
                    File.Move(f.Target, backup);
                    backups.Add((f.Target, backup));
                }
            foreach (var f in _files)
            {
                File.Move(f.Temp, f.Target, overwrite: true);
                renamed.Add(f.Target);
            }
        }
        catch
        {
            foreach (var target in renamed) TryDelete(target);
            foreach (var (target, backup) in backups) TryRestore(backup, target);
            DeleteTemps();
            throw;
        }
        foreach (var (_, backup) in backups) TryDelete(backup);
    }

    /// <summary>Uncommitted: deletes the temporary files; the targets stay as they were.</summary>
    public void Dispose()
    {
        if (_done) return;
        _done = true;
        DeleteTemps();
    }

    void DeleteTemps()
    {
        foreach (var f in _files)
        {
            f.Stream.Dispose();
            TryDelete(f.Temp);
        }
    }

    static string SiblingName(string full, string kind) =>
        Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.{kind}");

    // Clean-up after a failure must not hide the failure itself.
    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    static void TryRestore(string backup, string target)
    {
        try { File.Move(backup, target, overwrite: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
