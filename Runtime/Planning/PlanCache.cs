using ShuffleNetGpu.Networks.Graph;

namespace ShuffleNetGpu.Runtime.Planning;

/// <summary>Memory plans by input size, batch size and output set, so a repeated run plans nothing (<paramref name="inputInArena"/>:
/// see <see cref="MemoryPlanner.Plan"/>).</summary>
sealed class PlanCache(bool inputInArena = true)
{
    readonly Dictionary<(int Height, int Width, int Batch, string Outputs), MemoryPlan> _plans = [];

    /// <summary>The plan for <paramref name="batch"/> images of <paramref name="sized"/>'s input size producing <paramref name="outputs"/>.</summary>
    public MemoryPlan Get(NetworkGraph sized, int batch, IReadOnlyList<int> outputs)
    {
        var key = (sized.InputHeight, sized.InputWidth, batch, string.Join(',', outputs));
        if (!_plans.TryGetValue(key, out var plan))
        {
            // Keep the cache small: plans of other sizes are rarely reused once a caller settles on one or a few.
            if (_plans.Count >= 16) _plans.Clear();
            _plans[key] = plan = MemoryPlanner.Plan(sized, batch, outputs, inputInArena);
        }
        return plan;
    }
}
