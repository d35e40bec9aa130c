namespace ShuffleNetGpu.Runtime.Devices;

/// <summary>One device of a network over several failed while running its share of a batch (the inner exception is the
/// device's own error). The other devices finished theirs; no result is returned for the batch. The network stays usable:
/// the next call runs on every device again.</summary>
/// <param name="message">One line: the device, its share of the batch and its error.</param>
/// <param name="deviceIndex">The failing device's position in <see cref="ShuffleNet.Devices"/>.</param>
/// <param name="inner">The device's error.</param>
public sealed class DeviceFailureException(string message, int deviceIndex, Exception inner) : ShuffleNetException(message, inner)
{
    /// <summary>The failing device's position in <see cref="ShuffleNet.Devices"/>.</summary>
    public int DeviceIndex { get; } = deviceIndex;
}
