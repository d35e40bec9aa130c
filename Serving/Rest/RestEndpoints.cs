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
        app.MapGet("/v2/models/{name}", (string name) => Answer(() =>
        {
            var m = core.Metadata(name);
            return Results.Json(new
            {
                name = m.Name, versions = m.Versions, platform = m.Platform,
                inputs = m.Inputs.Select(Tensor), outputs = m.Outputs.Select(Tensor),
            });
        }));
        app.MapGet("/v2/models/{name}/ready", (string name) => Answer(() =>
        {
            var model = core.Find(name);
            return ready() ? Results.Json(new { name = model.Name, ready = true }) : Results.Json(new { name = model.Name, ready = false }, statusCode: 503);
        }));
        app.MapPost("/v2/models/{name}/infer", (HttpContext context, string name) => InferAsync(context, name, core));
    }

    static object Tensor(TensorMetadata t) => new { name = t.Name, datatype = t.Datatype, shape = t.Shape };

    static IResult Answer(Func<IResult> body)
    {
        try { return body(); }
        catch (InferenceException e) { return Error(e); }
    }

    static async Task InferAsync(HttpContext context, string name, InferenceCore core)
    {
        var aborted = context.RequestAborted;
        IResult? failure = null;
        try
        {
            core.Find(name);
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
