namespace ShuffleNetGpu.Tests.Converter;

/// <summary>Runs hostile-input work on its own thread and fails the test when it outlives its limit, so a
/// regression to quadratic time or a runaway allocation fails in seconds instead of hanging the run.</summary>
internal static class Deadline
{
    public static T Within<T>(TimeSpan limit, Func<T> work)
    {
        var task = Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (Task.WaitAny([task], limit) < 0)
            throw new Xunit.Sdk.XunitException($"did not finish within {limit.TotalSeconds:0.#} s");
        return task.GetAwaiter().GetResult();   // rethrows the work's own exception, not an AggregateException
    }
}
