namespace ShuffleNetGpu.Tests.Fuzzing;

public enum MutationKind { Flip, Overwrite, Truncate, Insert, Delete }

/// <summary>Writes one mutant into a reusable scratch buffer (so big files do not churn the large-object heap)
/// and returns its bytes.</summary>
public delegate ArraySegment<byte> MutantBuilder(byte[] scratch);

/// <summary>One damage to a file's bytes, drawn up front from a seeded generator so a fuzz test's set of mutants is
/// the same on every run.</summary>
public sealed record ByteMutation(MutationKind Kind, int Position, byte[] Bytes, int Length)
{
    public const int MaxGrowth = 16;

    /// <summary><paramref name="scratch"/> must be at least <see cref="MaxGrowth"/> bytes longer than the original.</summary>
    public ArraySegment<byte> Apply(byte[] original, byte[] scratch)
    {
        var source = original.AsSpan();
        switch (Kind)
        {
            case MutationKind.Truncate:
                source[..Position].CopyTo(scratch);
                return new(scratch, 0, Position);
            case MutationKind.Insert:
                source[..Position].CopyTo(scratch);
                Bytes.CopyTo(scratch, Position);
                source[Position..].CopyTo(scratch.AsSpan(Position + Bytes.Length));
                return new(scratch, 0, original.Length + Bytes.Length);
            case MutationKind.Delete:
                int end = Math.Min(original.Length, Position + Length);
                source[..Position].CopyTo(scratch);
                source[end..].CopyTo(scratch.AsSpan(Position));
                return new(scratch, 0, original.Length - (end - Position));
            default:
                source.CopyTo(scratch);
                for (int i = 0; i < Bytes.Length && Position + i < original.Length; i++)
                    scratch[Position + i] = Kind == MutationKind.Flip ? (byte)(scratch[Position + i] ^ Bytes[i]) : Bytes[i];
                return new(scratch, 0, original.Length);
        }
    }

    /// <summary>A mutation at the position <paramref name="position"/> picks (called first, so a format's fuzz test
    /// chooses where damage lands); kind and bytes are drawn after it.</summary>
    public static ByteMutation Draw(Random rng, Func<Random, int> position)
    {
        int at = position(rng);
        var kind = (MutationKind)rng.Next(5);
        byte[] bytes = new byte[rng.Next(1, kind == MutationKind.Insert ? MaxGrowth + 1 : 5)];
        rng.NextBytes(bytes);
        if (kind == MutationKind.Flip) for (int i = 0; i < bytes.Length; i++) bytes[i] |= (byte)(1 << rng.Next(8));   // never a no-op
        if (kind == MutationKind.Overwrite && rng.Next(2) == 0) bytes[0] = (byte)(rng.Next(4) switch { 0 => 0x00, 1 => 0xFF, 2 => 0x7F, _ => 0x80 });
        return new ByteMutation(kind, at, bytes, rng.Next(1, 17));
    }

    public override string ToString() => $"{Kind} at {Position} ({Bytes.Length} bytes, length {Length})";
}
