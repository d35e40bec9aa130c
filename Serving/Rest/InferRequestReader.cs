using System.Globalization;
using System.Text.Json;
using ShuffleNetGpu.Serving.Protocol;

namespace ShuffleNetGpu.Serving.Rest;

/// <summary>
/// Decodes a REST infer body: JSON, or (binary-data extension) JSON of <c>Inference-Header-Content-Length</c> bytes
/// followed by the inputs' data, each input's <c>binary_data_size</c> bytes in turn. In JSON, FP32 data is numbers
/// (flat or nested) and BYTES data is base64 strings. Every declared size is checked against the bytes present
/// before anything is allocated for it.
/// </summary>
static class InferRequestReader
{
    public const string HeaderLengthName = "Inference-Header-Content-Length";

    /// <exception cref="InferenceException">the body does not follow the protocol (400; the message says where).</exception>
    public static InferRequest Read(string model, byte[] body, string? headerLength)
    {
        int jsonLength = body.Length;
        if (headerLength is not null)
        {
            if (!int.TryParse(headerLength, NumberStyles.None, CultureInfo.InvariantCulture, out jsonLength) || jsonLength > body.Length)
                throw InferenceException.Bad($"{HeaderLengthName} is '{headerLength}', expected a byte count of at most the body's {body.Length}");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.AsMemory(0, jsonLength));
        }
        catch (JsonException e)
        {
            throw InferenceException.Bad($"the request body is not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw InferenceException.Bad("the request body must be a JSON object");
            ReadOnlyMemory<byte> binary = body.AsMemory(jsonLength);
            bool allBinary = Parameter(root, "binary_data_output")?.ValueKind == JsonValueKind.True;

            if (!root.TryGetProperty("inputs", out var inputsJson) || inputsJson.ValueKind != JsonValueKind.Array)
                throw InferenceException.Bad("the request has no 'inputs' array");
            var inputs = new List<InputTensor>();
            foreach (var input in inputsJson.EnumerateArray()) inputs.Add(Input(input, ref binary));
            if (binary.Length > 0)
                throw InferenceException.Bad($"{binary.Length} bytes follow the JSON that no input's binary_data_size accounts for");

            var outputs = new List<RequestedOutput>();
            if (root.TryGetProperty("outputs", out var outputsJson))
            {
                if (outputsJson.ValueKind != JsonValueKind.Array) throw InferenceException.Bad("'outputs' must be an array");
                foreach (var output in outputsJson.EnumerateArray()) outputs.Add(Output(output, allBinary));
            }
            else if (allBinary) outputs.Add(new RequestedOutput(OutputNames.Logits, Binary: true));

            string? id = root.TryGetProperty("id", out var idJson) && idJson.ValueKind == JsonValueKind.String ? idJson.GetString() : null;
            return new InferRequest(model, id, inputs, outputs);
        }
    }

    static InputTensor Input(JsonElement input, ref ReadOnlyMemory<byte> binary)
    {
        if (input.ValueKind != JsonValueKind.Object) throw InferenceException.Bad("each input must be a JSON object");
        string name = String(input, "name", "an input");
        string datatype = String(input, "datatype", $"input '{name}'");
        if (!input.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array)
            throw InferenceException.Bad($"input '{name}' has no 'shape' array");
        var shape = new List<long>();
        foreach (var d in shapeJson.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long v))
                throw InferenceException.Bad($"input '{name}': shape entries must be integers, got {d.GetRawText()}");
            shape.Add(v);
        }
        long elements = TensorBytes.Elements(shape, name);

        if (Parameter(input, "binary_data_size") is { } sizeJson)
        {
            if (!sizeJson.TryGetInt64(out long size) || size < 0)
                throw InferenceException.Bad($"input '{name}': binary_data_size must be a byte count, got {sizeJson.GetRawText()}");
            if (size > binary.Length)
                throw InferenceException.Bad($"input '{name}' declares binary_data_size {size}, only {binary.Length} bytes follow");
            var raw = binary.Span[..(int)size];
            binary = binary[(int)size..];
            return datatype switch
            {
                "FP32" => new InputTensor(name, datatype, [.. shape], TensorBytes.ReadFloats(raw, elements, name), null),
                "BYTES" => new InputTensor(name, datatype, [.. shape], null, TensorBytes.ReadElements(raw, name)),
                _ => new InputTensor(name, datatype, [.. shape], null, null),
            };
        }
        if (!input.TryGetProperty("data", out var data))
            throw InferenceException.Bad($"input '{name}' has neither 'data' nor a binary_data_size parameter");
        return datatype switch
        {
            "FP32" => new InputTensor(name, datatype, [.. shape], Floats(data, name, elements), null),
            "BYTES" => new InputTensor(name, datatype, [.. shape], null, Elements(data, name)),
            _ => new InputTensor(name, datatype, [.. shape], null, null),
        };
    }

    /// <summary>FP32 data, flat or nested; no more than the shape declares is read.</summary>
    static float[] Floats(JsonElement data, string name, long elements)
    {
        var values = new List<float>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array) { foreach (var x in e.EnumerateArray()) Walk(x); return; }
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetSingle(out float v))
                throw InferenceException.Bad($"input '{name}': FP32 data must be numbers, got {Truncate(e.GetRawText())} at element {values.Count}");
            if (values.Count == elements)
                throw InferenceException.Bad($"input '{name}' holds more than the {elements} values its shape declares");
            values.Add(v);
        }
        Walk(data);
        if (values.Count != elements)
            throw InferenceException.Bad($"input '{name}' holds {values.Count} values, its shape declares {elements}");
        return [.. values];
    }

    static byte[][] Elements(JsonElement data, string name)
    {
        var elements = new List<byte[]>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array) { foreach (var x in e.EnumerateArray()) Walk(x); return; }
            if (e.ValueKind != JsonValueKind.String)
                throw InferenceException.Bad($"input '{name}': BYTES data must be base64 strings, got {Truncate(e.GetRawText())} at element {elements.Count}");
            try { elements.Add(Convert.FromBase64String(e.GetString()!)); }
            catch (FormatException) { throw InferenceException.Bad($"input '{name}' element {elements.Count} is not base64"); }
        }
        Walk(data);
        return [.. elements];
    }

    static RequestedOutput Output(JsonElement output, bool allBinary)
    {
        if (output.ValueKind != JsonValueKind.Object) throw InferenceException.Bad("each requested output must be a JSON object");
        string name = String(output, "name", "a requested output");
        bool binary = allBinary || Parameter(output, "binary_data")?.ValueKind == JsonValueKind.True;
        long? topK = null;
        var k = Parameter(output, "top_k") ?? Parameter(output, "classification");
        if (k is { } kJson)
        {
            if (!kJson.TryGetInt64(out long v)) throw InferenceException.Bad($"output '{name}': top_k must be an integer, got {kJson.GetRawText()}");
            topK = v;
        }
        return new RequestedOutput(name, topK, binary);
    }

    static JsonElement? Parameter(JsonElement owner, string name) =>
        owner.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty(name, out var v) ? v : null;

    static string String(JsonElement owner, string property, string what)
    {
        if (!owner.TryGetProperty(property, out var v) || v.ValueKind != JsonValueKind.String || v.GetString() is not { Length: > 0 } s)
            throw InferenceException.Bad($"{what} has no '{property}' string");
        return s;
    }

    static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
