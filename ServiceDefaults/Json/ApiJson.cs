using System.Text.Json;
using System.Text.Json.Serialization;

namespace Finqware.ServiceDefaults.Json;

/// <summary>The JSON conventions of the public API: snake_case names, no nulls written, strict numbers.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip;
        return options;
    }

    /// <summary>A fresh options instance with the API conventions, for clients and tests.</summary>
    public static JsonSerializerOptions Create() => Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));
}
