using System.Buffers.Binary;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ShuffleNetGpu.Tests.Serving;

/// <summary>Request bodies and response decoding for the REST tests, written from the protocol's text (not with the
/// server's own reader or writer).</summary>
public static class InferBodies
{
    /// <summary>A JSON body with <paramref name="images"/> as the FP32 input (round-trip float text).</summary>
    public static StringContent Json(float[] images, string outputs = "")
    {
        int n = images.Length / ShuffleNet.ImageElements;
        var data = string.Join(",", images.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        return Text($$"""{"id":"r1","inputs":[{"name":"input","datatype":"FP32","shape":[{{n}},3,224,224],"data":[{{data}}]}]{{outputs}}}""");
    }

    public static StringContent Text(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A binary-extension body: JSON header, then the input's little-endian floats.</summary>
    public static ByteArrayContent Binary(float[] images, string outputs)
    {
        int n = images.Length / ShuffleNet.ImageElements;
        var header = Encoding.UTF8.GetBytes(
            $$"""{"inputs":[{"name":"input","datatype":"FP32","shape":[{{n}},3,224,224],"parameters":{"binary_data_size":{{images.Length * 4}} """ + """}}],"outputs":[""" + outputs + "]}");
        var body = new byte[header.Length + images.Length * 4];
        header.CopyTo(body, 0);
        for (int i = 0; i < images.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(header.Length + i * 4), images[i]);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", header.Length.ToString(CultureInfo.InvariantCulture));
        return content;
    }

    /// <summary>The FP32 data of output <paramref name="name"/> in a JSON response.</summary>
    public static float[] JsonOutput(JsonElement response, string name) =>
        Output(response, name).GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();

    public static JsonElement Output(JsonElement response, string name) =>
        response.GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("name").GetString() == name);

    /// <summary>The binary outputs of a binary-extension response, by name, as little-endian floats.</summary>
    public static Dictionary<string, float[]> BinaryOutputs(byte[] body, int headerLength)
    {
        using var json = JsonDocument.Parse(body.AsMemory(0, headerLength));
        var result = new Dictionary<string, float[]>();
        int offset = headerLength;
        foreach (var o in json.RootElement.GetProperty("outputs").EnumerateArray())
        {
            int size = o.GetProperty("parameters").GetProperty("binary_data_size").GetInt32();
            var values = new float[size / 4];
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(body.AsSpan(offset + i * 4));
            result[o.GetProperty("name").GetString()!] = values;
            offset += size;
        }
        Assert.Equal(body.Length, offset);
        return result;
    }

    /// <summary>Bit-for-bit equality of two float arrays (NaNs included).</summary>
    public static void AssertBits(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
