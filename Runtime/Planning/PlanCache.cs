using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Planning;

/// <summary>Memory plans of one graph by batch size and output set, so a repeated run plans nothing.</summary>
sealed class PlanCache(NetworkGraph graph)
{
    readonly Dictionary<(int Batch, string Outputs), MemoryPlan> _plans = [];

    public MemoryPlan Get(int batch, IReadOnlyList<int> outputs)
    {
        var key = (batch, string.Join(',', outputs));
        if (!_plans.TryGetValue(key, out var plan))
        {
            // Keep the cache small: plans of other batch sizes are rarely reused once a caller settles on one.
            if (_plans.Count >= 16) _plans.Clear();
            _plans[key] = plan = MemoryPlanner.Plan(graph, batch, outputs);
        }
        return plan;
    }
}
