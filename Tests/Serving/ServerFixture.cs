namespace ShuffleNetGpu.Tests.Serving;

/// <summary>One server (two models, default batching, an 8 MiB body limit) shared by a test class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public LocalServer Local { get; private set; } = null!;

    public async Task InitializeAsync() => Local = await LocalServer.StartAsync(twoModels: true);

    public async Task DisposeAsync() => await Local.DisposeAsync();
}
