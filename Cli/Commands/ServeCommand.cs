using System.CommandLine;
using System.Net;
using ShuffleNetGpu.Cli.Options;
using ShuffleNetGpu.Serving;
using ShuffleNetGpu.Serving.Batching;

namespace ShuffleNetGpu.Cli.Commands;

/// <summary><c>shufflenet serve</c>: loads the models and starts the Open Inference Protocol server (the Serving
/// project); it runs until Ctrl+C or SIGTERM, then finishes the requests in flight.</summary>
static class ServeCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "Models to serve, comma-separated: .safetensors files, checkpoints or zoo ids (generated weights: not a prediction).", Required = true };
        var names = new Option<string?>("--name") { Description = "Their names in URLs, comma-separated, one per model (default: the zoo id, or the file name without its extension)." };
        var backend = BackendOption.Create();
        var devices = DevicesOption.Create();
        var threads = CpuThreadsOption.Create();
        var host = new Option<string>("--host") { Description = "The address to listen on.", DefaultValueFactory = _ => "0.0.0.0" };
        var port = NumberOption.Create("--port", "The REST port (HTTP/1.1).", defaultValue: 8000, min: 0, max: 65535);
        var grpcPort = NumberOption.Create("--grpc-port", "The gRPC port (HTTP/2 without TLS).", defaultValue: 8001, min: 0, max: 65535);
        var maxBatch = NumberOption.Create("--max-batch", "The most images one forward pass gathers from concurrent requests (1: no batching).", defaultValue: 8, min: 1);
        var maxDelay = NumberOption.Create("--max-delay-ms", "How long a request waits for others to batch with (0: only those already queued).", defaultValue: 5, min: 0);
        var maxQueue = NumberOption.Create("--max-queue", "Requests that may wait per model; more get 503 at once.", defaultValue: 256, min: 1);
        var timeout = NumberOption.Create("--timeout-ms", "How long a request may wait for its result before it gets 504.", defaultValue: 30_000, min: 1);
        var maxRequest = NumberOption.Create("--max-request-mb", "The largest request body accepted (413 beyond).", defaultValue: 64, min: 1, max: 2047);
        var command = new Command("serve", "Serve models over the Open Inference Protocol (KServe v2): REST and gRPC, with dynamic batching and /metrics.")
        {
            model, names, backend, devices, threads, host, port, grpcPort, maxBatch, maxDelay, maxQueue, timeout, maxRequest,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var sources = parse.GetValue(model)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var given = parse.GetValue(names)?.Split(',', StringSplitOptions.TrimEntries);
            if (sources.Length == 0) throw new UsageException("--model: expected one or more models, comma-separated");
            if (given is not null && given.Length != sources.Length)
                throw new UsageException($"--name: {given.Length} names for {sources.Length} models (one per model, comma-separated)");
            if (!IPAddress.TryParse(parse.GetValue(host), out var address))
                throw new UsageException($"--host: expected an IP address, got '{parse.GetValue(host)}'");
            var options = new ServerOptions
            {
                Address = address,
                HttpPort = parse.GetValue(port),
                GrpcPort = parse.GetValue(grpcPort),
                Batching = new BatchingOptions
                {
                    MaxBatch = parse.GetValue(maxBatch),
                    MaxDelay = TimeSpan.FromMilliseconds(parse.GetValue(maxDelay)),
                    MaxQueue = parse.GetValue(maxQueue),
                },
                RequestTimeout = TimeSpan.FromMilliseconds(parse.GetValue(timeout)),
                MaxRequestBytes = (long)parse.GetValue(maxRequest) << 20,
            };
            try { options.Check(); }
            catch (ShuffleNetException e) { throw new UsageException(e.Message); }

            var nets = new List<ServedModel>();
            try
            {
                for (int i = 0; i < sources.Length; i++)
                {
                    var weights = ModelSource.Weights(sources[i]);
                    var net = DevicesOption.Load(weights, parse.GetValue(backend), parse.GetValue(threads), parse.GetValue(devices));
                    string name = given?[i] ?? (File.Exists(sources[i]) ? Path.GetFileNameWithoutExtension(sources[i]) : sources[i]);
                    nets.Add(new ServedModel(name, net));
                    output.WriteLine($"model {name}: {net.Config.Family}, {net.Classes} classes, on {net.DeviceDescription}{(weights.IsGenerated ? $" ({ModelSource.GeneratedWarning})" : "")}");
                }
                await using var server = InferenceServer.Create(nets, options);
                await server.StartAsync(cancel);
                output.WriteLine($"serving on {server.HttpAddress} (REST, /metrics) and {server.GrpcAddress} (gRPC); Ctrl+C stops");
                await server.WaitForShutdownAsync(cancel);
                return 0;
            }
            finally
            {
                foreach (var m in nets) m.Net.Dispose();
            }
        });
        return command;
    }
}
