using System.Collections.Concurrent;
using System.Text.Json;
using NJsonSchema;
using NJsonSchema.Validation;

namespace Finqware.SessionService.Steps;

/// <summary>
/// Validates a step's <c>data</c> against the manifest's JSON Schema (NJsonSchema) and reports the errors per field,
/// keyed by their path under <c>data</c> (<c>data.currency</c>, <c>data.owner.name</c>).
/// </summary>
public sealed class StepDataValidator
{
    private readonly ConcurrentDictionary<string, JsonSchema> schemas = new();

    public async Task<Dictionary<string, string[]>> ValidateAsync(JsonElement schema, JsonElement data)
    {
        var schemaText = schema.GetRawText();
        if (!schemas.TryGetValue(schemaText, out var parsed))
        {
            parsed = await JsonSchema.FromJsonAsync(schemaText);
            schemas.TryAdd(schemaText, parsed);
        }

        var errors = new Dictionary<string, List<string>>();
        if (data.ValueKind == JsonValueKind.Undefined)
        {
            errors["data"] = ["data is required: an object as the step's data_schema describes."];
        }
        else
        {
            foreach (var error in Flatten(parsed.Validate(data.GetRawText())))
            {
                var field = FieldOf(error);
                if (!errors.TryGetValue(field, out var messages))
                {
                    errors[field] = messages = [];
                }

                messages.Add(Describe(error));
            }
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.Distinct().ToArray());
    }

    private static IEnumerable<ValidationError> Flatten(IEnumerable<ValidationError> errors)
    {
        foreach (var error in errors)
        {
            if (error is ChildSchemaValidationError child && child.Errors.Count > 0)
            {
                foreach (var inner in Flatten(child.Errors.SelectMany(e => e.Value)))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return error;
            }
        }
    }

    private static string FieldOf(ValidationError error)
    {
        var path = (error.Path ?? "#").TrimStart('#').Trim('/').Replace('/', '.');
        if (error.Kind is ValidationErrorKind.PropertyRequired or ValidationErrorKind.NoAdditionalPropertiesAllowed && error.Property is { Length: > 0 } property
            && !path.EndsWith(property, StringComparison.Ordinal))
        {
            path = path.Length == 0 ? property : $"{path}.{property}";
        }

        return path.Length == 0 ? "data" : $"data.{path}";
    }

    private static string Describe(ValidationError error) => error.Kind switch
    {
        ValidationErrorKind.PropertyRequired => "is required.",
        ValidationErrorKind.NoAdditionalPropertiesAllowed => "is not a field of this step.",
        ValidationErrorKind.StringExpected => "must be a string.",
        ValidationErrorKind.NumberExpected or ValidationErrorKind.IntegerExpected => "must be a number.",
        ValidationErrorKind.BooleanExpected => "must be true or false.",
        ValidationErrorKind.ObjectExpected => "must be an object.",
        ValidationErrorKind.ArrayExpected => "must be an array.",
        ValidationErrorKind.StringTooShort => "is too short.",
        ValidationErrorKind.StringTooLong => "is too long.",
        ValidationErrorKind.PatternMismatch => "does not have the expected format.",
        ValidationErrorKind.NotInEnumeration => "is not one of the allowed values.",
        ValidationErrorKind.NumberTooSmall => "is too small.",
        ValidationErrorKind.NumberTooBig => "is too large.",
        _ => $"is not valid ({error.Kind}).",
    };
}
