using ILGPU;
using ILGPU.Runtime;

namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>
/// One batch's place in a <see cref="BatchPipeline"/>: page-locked host buffers (the copy engines read and write them
/// without a driver-side staging copy, and the copies run asynchronously), device buffers the copy streams use while
/// the compute stream works in the arena, and the events that order the three streams around them. Buffers grow to
/// the largest batch seen and are freed with the pipeline.
/// </summary>
sealed class StagingSlot : IDisposable
{
    readonly Accelerator _accelerator;

    public StagingSlot(Accelerator accelerator)
    {
        _accelerator = accelerator;
        Uploaded = StreamEvent.Create(accelerator);
        Computed = StreamEvent.Create(accelerator);
        Downloaded = StreamEvent.Create(accelerator);
    }

    public PageLockedArray1D<float> HostInput { get; private set; } = PageLockedArray1D<float>.Empty;
    public PageLockedArray1D<float> HostOutput { get; private set; } = PageLockedArray1D<float>.Empty;
    public MemoryBuffer1D<float, Stride1D.Dense>? DeviceInput { get; private set; }
    public MemoryBuffer1D<float, Stride1D.Dense>? DeviceOutput { get; private set; }

    /// <summary>The input is on the device (upload stream).</summary>
    public StreamEvent Uploaded { get; }
    /// <summary>The outputs are in <see cref="DeviceOutput"/> and the input was read (compute stream).</summary>
    public StreamEvent Computed { get; }
    /// <summary>The outputs are in <see cref="HostOutput"/> (download stream).</summary>
    public StreamEvent Downloaded { get; }

    /// <summary>Page-locked bytes held (host memory the OS cannot swap out).</summary>
    public long PinnedBytes => (HostInput.Length + HostOutput.Length) * sizeof(float);

    /// <summary>Grows the buffers to hold <paramref name="input"/> and <paramref name="output"/> floats. Called only when
    /// nothing in flight uses this slot (its previous batch was collected).</summary>
    public void Ensure(long input, long output)
    {
        if (HostInput.Length < input)
        {
            Free(HostInput);
            DeviceInput?.Dispose();
            HostInput = _accelerator.AllocatePageLocked1D<float>(input, uninitialized: true);
            DeviceInput = _accelerator.Allocate1D<float>(input);
        }
        if (HostOutput.Length < output)
        {
            Free(HostOutput);
            DeviceOutput?.Dispose();
            HostOutput = _accelerator.AllocatePageLocked1D<float>(output, uninitialized: true);
            DeviceOutput = _accelerator.Allocate1D<float>(output);
        }
    }

    /// <summary>Frees a page-locked array, never the shared empty one.</summary>
    static void Free(PageLockedArray1D<float> array)
    {
        if (!ReferenceEquals(array, PageLockedArray1D<float>.Empty)) array.Dispose();
    }

    public void Dispose()
    {
        Free(HostInput);
        Free(HostOutput);
        HostInput = HostOutput = PageLockedArray1D<float>.Empty;
        DeviceInput?.Dispose();
        DeviceOutput?.Dispose();
        Uploaded.Dispose();
        Computed.Dispose();
        Downloaded.Dispose();
    }
}
