using System.Text.Json;
using GraphQL;
using GraphQL.Types;

namespace Finqware.Gateway.GraphQL;

/// <summary>
/// An object type read from a REST answer: each field resolves the property of the same (snake_case) name, so a field
/// means what the REST field means. A property the service left out (the REST API writes no nulls) resolves to null.
/// </summary>
public abstract class RestObjectType : ObjectGraphType<JsonElement>
{
    protected RestObjectType(string name, string description)
    {
        Name = name;
        Description = description;
    }

    protected void Id(string name, string description) =>
        Field<NonNullGraphType<IdGraphType>>(name).Description(description).Resolve(ctx => Text(Property(ctx.Source, name)));

    protected void Text(string name, string description, bool required = false)
    {
        if (required)
        {
            Field<NonNullGraphType<StringGraphType>>(name).Description(description).Resolve(ctx => Text(Property(ctx.Source, name)));
        }
        else
        {
            Field<StringGraphType>(name).Description(description).Resolve(ctx => Text(Property(ctx.Source, name)));
        }
    }

    protected void Integer(string name, string description) =>
        Field<IntGraphType>(name).Description(description).Resolve(ctx => Property(ctx.Source, name) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt32(out var i) ? i : null);

    protected void Long(string name, string description) =>
        Field<LongGraphType>(name).Description(description).Resolve(ctx => Property(ctx.Source, name) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var i) ? i : null);

    protected void Flag(string name, string description) =>
        Field<BooleanGraphType>(name).Description(description).Resolve(ctx => Property(ctx.Source, name) switch
        {
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            _ => (bool?)null,
        });

    protected void Texts(string name, string description) =>
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>(name).Description(description)
            .Resolve(ctx => Property(ctx.Source, name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().Select(e => e.ToString()).ToList() : null);

    protected void Json(string name, string description) =>
        Field<JsonScalar>(name).Description(description).Resolve(ctx => Property(ctx.Source, name));

    protected void Object<TType>(string name, string description) where TType : IGraphType =>
        Field<TType>(name).Description(description).Resolve(ctx => Property(ctx.Source, name) is { ValueKind: JsonValueKind.Object } o ? o : null);

    protected void ListOf<TType>(string name, string description) where TType : IGraphType =>
        Field<ListGraphType<NonNullGraphType<TType>>>(name).Description(description).Resolve(ctx => Items(Property(ctx.Source, name)));

    /// <summary>The property, or null when it is absent or JSON null.</summary>
    public static JsonElement? Property(JsonElement source, string name) =>
        source.ValueKind == JsonValueKind.Object && source.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>The elements of a JSON array, or null.</summary>
    public static List<JsonElement>? Items(JsonElement? array) =>
        array is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray().ToList() : null;

    private static string? Text(JsonElement? value) => value switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { } other => other.GetRawText(),
    };
}
