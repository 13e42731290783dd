using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Finqware.Portal.Api;
using Microsoft.Extensions.Primitives;

namespace Finqware.Portal.Sandbox;

/// <summary>One input of a step's form, from a property of its <c>data_schema</c>.</summary>
public sealed record SchemaField(string Name, string Type, IReadOnlyList<string> Choices, bool Required, string? Description, string? Example)
{
    /// <summary>The input's name, which is also the field a validation problem names (<c>data.value</c>).</summary>
    public string InputName => "data." + Name;

    public string InputId => "data_" + Name;
}

/// <summary>
/// A form generated from a step's JSON Schema (the catalog's <c>data_schema</c>): one input per property (a choice for
/// an <c>enum</c>, a checkbox for a boolean, a number input for numbers, JSON text for objects and arrays), prefilled
/// with the schema's first example, which is a working sandbox input. What the user sends is read back into the step's
/// <c>data</c> by the same fields, so the API's validation (<c>data.value: …</c>) names the input it is about.
/// </summary>
public static class SchemaForm
{
    public static IReadOnlyList<SchemaField> Fields(JsonElement schema)
    {
        var required = schema.Items("required").Select(r => r.GetString()).ToHashSet(StringComparer.Ordinal);
        var example = schema.Items("examples").FirstOrDefault();
        var fields = new List<SchemaField>();
        if (schema.Prop("properties").ValueKind != JsonValueKind.Object)
        {
            return fields;
        }

        foreach (var property in schema.Prop("properties").EnumerateObject())
        {
            var value = property.Value;
            var choices = value.Items("enum").Select(e => e.ToString()).ToList();
            var type = value.Str("type") ?? (choices.Count > 0 ? "string" : "json");
            if (type is not ("string" or "integer" or "number" or "boolean"))
            {
                type = "json";
            }

            var sample = example.Prop(property.Name);
            var shown = sample.ValueKind switch
            {
                JsonValueKind.Undefined or JsonValueKind.Null => null,
                JsonValueKind.String => sample.GetString(),
                _ => sample.GetRawText(),
            };
            fields.Add(new SchemaField(property.Name, type, choices, required.Contains(property.Name), value.Str("description"), shown));
        }

        return fields;
    }

    /// <summary>The step's <c>data</c> from the posted form: an empty optional input is left out; a value of the wrong type is sent as typed, for the API to refuse by name.</summary>
    public static JsonObject Data(IReadOnlyList<SchemaField> fields, Func<string, StringValues> form)
    {
        var data = new JsonObject();
        foreach (var field in fields)
        {
            var posted = form(field.InputName);
            if (field.Type == "boolean")
            {
                data[field.Name] = posted.Any(v => v == "true");
                continue;
            }

            var text = posted.LastOrDefault()?.Trim() ?? "";
            if (text.Length == 0 && !field.Required)
            {
                continue;
            }

            data[field.Name] = field.Type switch
            {
                "integer" when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer) => integer,
                "number" when decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var number) => number,
                "json" => ParseOrText(text),
                _ => text,
            };
        }

        return data;
    }

    private static JsonNode? ParseOrText(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return text;
        }
    }
}
