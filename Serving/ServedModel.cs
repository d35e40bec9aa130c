namespace ShuffleNetGpu.Serving;

/// <summary>A loaded network and the name clients call it by (in URLs and in gRPC requests). The caller keeps
/// ownership: the server does not dispose the network.</summary>
/// <param name="Name">The model's name: letters, digits, '.', '_' and '-' only.</param>
/// <param name="Net">The network.</param>
public sealed record ServedModel(string Name, ShuffleNet Net);
