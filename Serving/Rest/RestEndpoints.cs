using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using ShuffleNetGpu.Serving.Protocol;

namespace ShuffleNetGpu.Serving.Rest;

/// <summary>The protocol's REST endpoints. Every error is <c>{"error": "..."}</c> with the status
/// <see cref="InferenceStatus"/> maps to.</summary>
static class RestEndpoints
{
    public static void Map(WebApplication app, InferenceCore core, Func<bool> ready)
    {
        app.MapGet("/v2/health/live", () => Results.Json(new { live = true }));
        app.MapGet("/v2/health/ready", () => ready() ? Results.Json(new { ready = true }) : Results.Json(new { ready = false }, statusCode: 503));
        app.MapGet("/v2", () => Results.Json(new { name = ServerInfo.Name, version = ServerInfo.Version, extensions = ServerInfo.Extensions }));
        // Each model route also answers under /versions/1 (the one version a served model has), as versioned clients call it.
        foreach (var prefix in new[] { "/v2/models/{name}", "/v2/models/{name}/versions/{version}" })
        {
            app.MapGet(prefix, (string name, string? version) => Answer(() =>
            {
                var m = core.Metadata(Versioned(core, name, version));
                return Results.Json(new
                {
                    name = m.Name, versions = m.Versions, platform = m.Platform,
                    inputs = m.Inputs.Select(Tensor), outputs = m.Outputs.Select(Tensor),
                });
            }));
            app.MapGet(prefix + "/ready", (string name, string? version) => Answer(() =>
            {
                var model = core.Find(Versioned(core, name, version));
                return ready() ? Results.Json(new { name = model.Name, ready = true }) : Results.Json(new { name = model.Name, ready = false }, statusCode: 503);
            }));
            app.MapPost(prefix + "/infer", (HttpContext context, string name, string? version) => InferAsync(context, name, version, core));
        }
    }

    /// <summary><paramref name="name"/>, once the model and <paramref name="version"/> (null: any) are known to exist.</summary>
    /// <exception cref="InferenceException">no such model, or a version other than 1 (404).</exception>
    static string Versioned(InferenceCore core, string name, string? version)
    {
        core.Find(name);
        if (version is not null && version != ServerInfo.ModelVersion)
            throw new InferenceException(InferenceStatus.NotFound, $"model '{name}' has no version '{version}'; it has version {ServerInfo.ModelVersion}");
        return name;
    }

    static object Tensor(TensorMetadata t) => new { name = t.Name, datatype = t.Datatype, shape = t.Shape };

    static IResult Answer(Func<IResult> body)
    {
        try { return body(); }
        catch (InferenceException e) { return Error(e); }
    }

    static async Task InferAsync(HttpContext context, string name, string? version, InferenceCore core)
    {
        var aborted = context.RequestAborted;
        IResult? failure = null;
        try
        {
            Versioned(core, name, version);
            byte[] body = await ReadBodyAsync(context.Request, aborted);
            var request = InferRequestReader.Read(name, body, context.Request.Headers[InferRequestReader.HeaderLengthName].FirstOrDefault());
            var response = await core.InferAsync(request, "rest", aborted);
            await InferResponseWriter.WriteAsync(context.Response, response, aborted);
            return;
        }
        catch (InferenceException e) { failure = Error(e); }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            failure = Error(new InferenceException(InferenceStatus.TooLarge,
                $"the request body is larger than the server's limit of {context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            // Kestrel's minimum body rate (ServerOptions.MinRequestBodyBytesPerSecond): answered, then the connection closes.
            failure = Results.Json(new { error = $"the request body arrived too slowly ({e.Message})" }, statusCode: StatusCodes.Status408RequestTimeout);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return;   // the client went away: nobody to answer
        }
        catch (ShuffleNetException e)
        {
            failure = Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status500InternalServerError);
        }
        await failure.ExecuteAsync(context);
    }

    static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancel)
    {
        // Kestrel enforces the size limit while reading (413), whatever Content-Length declares.
        using var buffer = new MemoryStream(request.ContentLength is > 0 and < 1 << 20 ? (int)request.ContentLength : 0);
        await request.Body.CopyToAsync(buffer, cancel);
        return buffer.ToArray();
    }

    public static IResult Error(InferenceException e) => Results.Json(new { error = e.Message }, statusCode: StatusCode(e.Status));

    public static int StatusCode(InferenceStatus status) => status switch
    {
        InferenceStatus.BadRequest => StatusCodes.Status400BadRequest,
        InferenceStatus.NotFound => StatusCodes.Status404NotFound,
        InferenceStatus.Unavailable => StatusCodes.Status503ServiceUnavailable,
        InferenceStatus.Timeout => StatusCodes.Status504GatewayTimeout,
        InferenceStatus.TooLarge => StatusCodes.Status413PayloadTooLarge,
        _ => StatusCodes.Status500InternalServerError,
    };
}
