using System.Diagnostics;
using Xunit.Abstractions;

namespace ShuffleNetGpu.Tests.Fuzzing;

/// <summary>
/// Runs a fuzz test's mutants through a reader on a few worker threads while the calling thread watches the clock.
/// Each mutant must either read (the reader returns null, having checked what it read) or be refused with the typed
/// error the format promises; any other exception, an inconsistency the reader reports, or a read that takes longer
/// than the timeout fails the test (a stuck read's thread is left behind as a background thread).
/// </summary>
public static class MutationRunner
{
    /// <param name="read">Reads one mutant on worker thread number <c>worker</c>: null when what it read is consistent,
    /// otherwise what is wrong with it.</param>
    /// <param name="isRefusal">Whether an exception is the format's typed refusal.</param>
    public static void Run(ITestOutputHelper output, string label, int scratchSize, (string Description, MutantBuilder Build)[] cases,
        Func<ArraySegment<byte>, int, string?> read, Func<Exception, bool> isRefusal, TimeSpan readTimeout)
    {
        const string refusedMark = "refused";
        int workers = Math.Clamp(Environment.ProcessorCount, 1, 4);
        var results = Enumerable.Repeat<string?>("not run", cases.Length).ToArray();
        var readStarted = new long[workers];   // Stopwatch timestamp of each worker's current read, 0 when between reads
        var clock = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() =>
        {
            byte[] scratch = new byte[scratchSize];
            for (int i = w; i < cases.Length; i += workers)
            {
                ArraySegment<byte> file;
                try
                {
                    file = cases[i].Build(scratch);
                }
                catch (Exception e)
                {
                    results[i] = $"building the mutant failed: {e.Message}";
                    continue;
                }
                Volatile.Write(ref readStarted[w], Stopwatch.GetTimestamp());
                try { results[i] = read(file, w); }
                catch (Exception e) when (isRefusal(e)) { results[i] = refusedMark; }
                catch (Exception e) { results[i] = $"{e.GetType().Name}: {e.Message}"; }   // the thread never dies
                Volatile.Write(ref readStarted[w], 0);
            }
        }) { IsBackground = true, Name = $"mutation worker {w}" }).ToList();
        threads.ForEach(t => t.Start());

        var failures = new List<string>();
        while (!threads.All(t => t.Join(100)))
        {
            for (int w = 0; w < workers; w++)
            {
                long started = Volatile.Read(ref readStarted[w]);
                if (started != 0 && Stopwatch.GetElapsedTime(started) > readTimeout)
                    failures.Add($"worker {w}: a read gave no answer within {readTimeout.TotalSeconds} s");
            }
            if (failures.Count > 0) break;
        }

        int readCount = 0, refused = 0;
        for (int i = 0; i < cases.Length && failures.Count == 0; i++)
        {
            switch (results[i])
            {
                case null: readCount++; break;
                case refusedMark: refused++; break;
                case var problem: failures.Add($"{cases[i].Description}: {problem}"); break;
            }
        }
        output.WriteLine($"{label}: {readCount} read, {refused} refused, {failures.Count} wrong, {clock.ElapsedMilliseconds} ms on {workers} threads");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.True(refused > 0);
    }
}
