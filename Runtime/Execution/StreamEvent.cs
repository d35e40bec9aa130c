using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ShuffleNetGpu.Runtime.Execution.Cuda;

namespace ShuffleNetGpu.Runtime.Execution;

/// <summary>
/// A point in one stream's work that another stream (or the host) waits for. On CUDA a driver event: the waiting stream
/// waits on the device (<c>cuStreamWaitEvent</c>), the host not at all. Elsewhere (ILGPU's CPU accelerator, OpenCL) ILGPU
/// offers no event between streams, so the wait is the host synchronising the recorded stream before it enqueues more:
/// the same order, with less overlap. One object is re-recorded for every batch that uses its staging slot.
/// </summary>
abstract class StreamEvent : IDisposable
{
    public static StreamEvent Create(Accelerator accelerator) =>
        accelerator is CudaAccelerator && CudaDriver.AbsentReason is null ? new CudaStreamEvent(accelerator) : new HostStreamEvent();

    /// <summary>Marks the work enqueued on <paramref name="stream"/> so far.</summary>
    public abstract void Record(AcceleratorStream stream);

    /// <summary>Work enqueued on <paramref name="stream"/> from now on runs after the recorded work.</summary>
    public abstract void MakeWait(AcceleratorStream stream);

    /// <summary>Blocks the calling thread until the recorded work is done.</summary>
    public abstract void WaitOnHost();

    /// <summary>Whether waits happen on the device (true on CUDA) rather than on the host.</summary>
    public abstract bool OnDevice { get; }

    public virtual void Dispose() { }

    sealed class HostStreamEvent : StreamEvent
    {
        AcceleratorStream? _recorded;

        public override void Record(AcceleratorStream stream) => _recorded = stream;

        public override void MakeWait(AcceleratorStream stream)
        {
            if (!ReferenceEquals(stream, _recorded)) _recorded?.Synchronize();   // one stream is already in order
        }

        public override void WaitOnHost() => _recorded?.Synchronize();

        public override bool OnDevice => false;
    }

    sealed class CudaStreamEvent : StreamEvent
    {
        readonly Accelerator _accelerator;
        IntPtr _event;

        public CudaStreamEvent(Accelerator accelerator)
        {
            _accelerator = accelerator;
            using var binding = accelerator.BindScoped();   // driver calls need the accelerator's context on this thread
            _event = CudaDriver.CreateEvent();
        }

        public override void Record(AcceleratorStream stream)
        {
            using var binding = _accelerator.BindScoped();
            CudaDriver.Record(_event, ((CudaStream)stream).StreamPtr);
        }

        public override void MakeWait(AcceleratorStream stream)
        {
            using var binding = _accelerator.BindScoped();
            CudaDriver.Wait(((CudaStream)stream).StreamPtr, _event);
        }

        public override void WaitOnHost()
        {
            using var binding = _accelerator.BindScoped();
            CudaDriver.Synchronize(_event);
        }

        public override bool OnDevice => true;

        public override void Dispose()
        {
            if (_event == IntPtr.Zero) return;
            CudaDriver.DestroyEvent(_event);
            _event = IntPtr.Zero;
        }
    }
}
