using System.Runtime.InteropServices;
using ShuffleNetGpu.Networks.IO;

namespace ShuffleNetGpu.Runtime.IO;

/// <summary>
/// Writes a float32 .npy of [rows, ...rowShape] whose row count is known only at the end, without holding the rows:
/// rows go to a temporary file beside the target (an <see cref="AtomicFileWriter"/>) under a header with room for any
/// count; <see cref="Commit"/> writes the final count into the header and renames the file into place. Disposed
/// uncommitted, or when the rename fails, the temporary file is deleted and the target is left as it was.
/// </summary>
public sealed class NpyRowWriter : IDisposable
{
    readonly int[] _rowShape;
    readonly int _rowLength, _headerLength;
    readonly AtomicFileWriter _writer;
    readonly bool _ownsWriter;
    FileStream? _file;

    /// <summary>Starts a .npy at <paramref name="path"/> (written to a temporary file until committed) whose rows have <paramref name="rowShape"/>.</summary>
    public NpyRowWriter(string path, ReadOnlySpan<int> rowShape) : this(new AtomicFileWriter(), ownsWriter: true, path, rowShape) { }

    /// <summary>A row writer whose file is one of <paramref name="group"/>'s: it appears when the group commits
    /// (call <see cref="Finish"/> first), together with the group's other files.</summary>
    public NpyRowWriter(AtomicFileWriter group, string path, ReadOnlySpan<int> rowShape) : this(group, ownsWriter: false, path, rowShape) { }

    NpyRowWriter(AtomicFileWriter writer, bool ownsWriter, string path, ReadOnlySpan<int> rowShape)
    {
        _writer = writer;
        _ownsWriter = ownsWriter;
        _rowShape = rowShape.ToArray();
        _rowLength = _rowShape.Aggregate(1, (a, b) => checked(a * b));
        if (_rowLength < 1) throw new ArgumentException("rows must hold at least one value", nameof(rowShape));
        _headerLength = NpyFile.Header([int.MaxValue, .. _rowShape]).Length; // room for any row count
        _file = writer.Open(path);
        _file.Write(NpyFile.Header([0, .. _rowShape], _headerLength));
    }

    /// <summary>Rows written so far.</summary>
    public int Rows { get; private set; }

    /// <summary>Appends whole rows (a multiple of the row's element count).</summary>
    public void Append(ReadOnlySpan<float> rows)
    {
        var file = _file ?? throw new ObjectDisposedException(nameof(NpyRowWriter));
        if (rows.Length % _rowLength != 0)
            throw new ArgumentException($"{rows.Length} values are not whole rows of {_rowLength}", nameof(rows));
        file.Write(MemoryMarshal.AsBytes(rows));
        Rows += rows.Length / _rowLength;
    }

    /// <summary>Writes the row count into the header; the file appears when its group commits.</summary>
    public void Finish()
    {
        var file = _file ?? throw new ObjectDisposedException(nameof(NpyRowWriter));
        file.Position = 0;
        file.Write(NpyFile.Header([Rows, .. _rowShape], _headerLength));
        file.Position = file.Length;
    }

    /// <summary>Writes the row count into the header and moves the file to its path (replacing any file there).</summary>
    public void Commit()
    {
        if (!_ownsWriter) throw new InvalidOperationException("this writer's file belongs to a group: Finish it and commit the group");
        Finish();
        _file = null;
        _writer.Commit();
    }

    /// <summary>Closes and deletes the temporary file if <see cref="Commit"/> was not called.</summary>
    public void Dispose()
    {
        _file = null;
        if (_ownsWriter) _writer.Dispose();
    }
}
