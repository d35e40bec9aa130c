namespace ShuffleNetGpu.Converter.Inference;

/// <summary>Answers "does any tensor name start with this prefix?" in time proportional to the prefix, for
/// prefixes of up to <see cref="MaxSegments"/> dot-ended segments (<c>features.3.</c>, <c>features.3.proj_conv.</c>).
/// Scanning every name per question made block counting O(blocks x names) on a hostile checkpoint. The index is
/// built in one pass; its entries are slices of the names, not copies, so it costs memory per name, not per char.</summary>
internal sealed class NamePrefixIndex
{
    public const int MaxSegments = 3;

    private readonly HashSet<ReadOnlyMemory<char>> _prefixes = new(SliceComparer.Instance);

    public NamePrefixIndex(IEnumerable<string> names)
    {
        foreach (string name in names)
        {
            int dot = -1;
            for (int s = 0; s < MaxSegments && (dot = name.IndexOf('.', dot + 1)) >= 0; s++)
                _prefixes.Add(name.AsMemory(0, dot + 1));
        }
    }

    public bool Contains(string prefix)
    {
        if (!prefix.EndsWith('.') || prefix.AsSpan().Count('.') > MaxSegments)
            throw new ArgumentException($"'{prefix}' is not up to {MaxSegments} dot-ended segments", nameof(prefix));
        return _prefixes.Contains(prefix.AsMemory());
    }

    /// <summary>Compares slices by their characters; hashes them as .NET hashes strings (seeded per process, so
    /// names chosen by a file cannot be made to collide).</summary>
    sealed class SliceComparer : IEqualityComparer<ReadOnlyMemory<char>>
    {
        public static readonly SliceComparer Instance = new();
        public bool Equals(ReadOnlyMemory<char> a, ReadOnlyMemory<char> b) => a.Span.SequenceEqual(b.Span);
        public int GetHashCode(ReadOnlyMemory<char> slice) => string.GetHashCode(slice.Span);
    }
}
