using System.Text.Json.Nodes;

namespace LocalKms.Protocol;

/// <summary>Helpers for writing KMS responses: blobs as base64, timestamps as epoch seconds.</summary>
internal static class Json
{
    public static JsonValue Time(DateTimeOffset t) => JsonValue.Create(t.ToUnixTimeMilliseconds() / 1000.0);

    public static JsonValue Blob(byte[] bytes) => JsonValue.Create(Convert.ToBase64String(bytes));

    public static JsonArray Strings(IEnumerable<string> values)
    {
        var a = new JsonArray();
        foreach (string v in values)
        {
            a.Add(JsonValue.Create(v));
        }

        return a;
    }
}
