using System.Text.Json;
using GraphQL.Types;
using GraphQLParser.AST;

namespace Finqware.Gateway.GraphQL;

/// <summary>
/// <c>JSON</c>: a value passed through as the service wrote it (a step's data schema, result or action; an application's
/// offer or contract), for shapes each skill defines itself. Output only.
/// </summary>
public sealed class JsonScalar : ScalarGraphType
{
    public JsonScalar()
    {
        Name = "JSON";
        Description = "Any JSON value, exactly as the REST API returns it (shapes that each skill defines).";
    }

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        JsonElement element => element,
        _ => throw new InvalidOperationException($"JSON cannot serialize {value.GetType().Name}."),
    };

    public override object? ParseValue(object? value) =>
        throw new InvalidOperationException("JSON is an output type; no argument takes it.");

    public override object? ParseLiteral(GraphQLValue value) =>
        throw new InvalidOperationException("JSON is an output type; no argument takes it.");

    public override bool CanParseLiteral(GraphQLValue value) => false;

    public override bool CanParseValue(object? value) => false;
}
