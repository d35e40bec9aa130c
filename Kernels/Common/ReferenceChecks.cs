namespace ShuffleNetGpu.Kernels.Common;

/// <summary>Length checks for the host references.</summary>
internal static class ReferenceChecks
{
    public static void Span(int length, long required, string name, string op)
    {
        if (length < required)
            throw new ArgumentException($"{op}.Reference: '{name}' has {length} elements, needs {required}.", name);
    }

    public static void Exact(int length, long required, string name, string op)
    {
        if (length != required)
            throw new ArgumentException($"{op}.Reference: '{name}' has {length} elements, expected {required}.", name);
    }
}
