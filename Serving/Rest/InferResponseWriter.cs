using System.Text.Json;
using ShuffleNetGpu.Serving.Protocol;

namespace ShuffleNetGpu.Serving.Rest;

/// <summary>
/// Encodes an infer response: JSON, or, when any output was asked for in binary, JSON with each such output's
/// <c>binary_data_size</c> followed by their bytes (the length of the JSON in <c>Inference-Header-Content-Length</c>).
/// Floats are written in their shortest round-trip form, so JSON carries every bit too.
/// </summary>
static class InferResponseWriter
{
    public static async Task WriteAsync(HttpResponse http, InferResponse response, CancellationToken cancel)
    {
        var binaries = response.Outputs.Where(o => o.Binary).Select(TensorBytes.Write).ToList();
        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            w.WriteString("model_name", response.Model);
            w.WriteString("model_version", ServerInfo.ModelVersion);
            if (response.Id is not null) w.WriteString("id", response.Id);
            w.WriteStartArray("outputs");
            int b = 0;
            foreach (var output in response.Outputs)
            {
                w.WriteStartObject();
                w.WriteString("name", output.Name);
                w.WriteString("datatype", output.Datatype);
                w.WriteStartArray("shape");
                foreach (long d in output.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                if (output.Binary)
                {
                    w.WriteStartObject("parameters");
                    w.WriteNumber("binary_data_size", binaries[b++].Length);
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteStartArray("data");
                    if (output.Floats is { } floats) foreach (var v in floats) w.WriteNumberValue(v);
                    else foreach (var s in output.Strings!) w.WriteStringValue(s);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        if (binaries.Count == 0)
        {
            http.ContentType = "application/json";
            http.ContentLength = json.Length;
            await http.Body.WriteAsync(json.GetBuffer().AsMemory(0, (int)json.Length), cancel);
            return;
        }
        http.ContentType = "application/octet-stream";
        http.Headers[InferRequestReader.HeaderLengthName] = json.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.ContentLength = json.Length + binaries.Sum(x => (long)x.Length);
        await http.Body.WriteAsync(json.GetBuffer().AsMemory(0, (int)json.Length), cancel);
        foreach (var bytes in binaries) await http.Body.WriteAsync(bytes, cancel);
    }
}
