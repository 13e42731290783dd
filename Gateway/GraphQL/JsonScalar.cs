using System.Text.Json;
using GraphQL.Types;
using GraphQLParser.AST;

namespace Finqware.Gateway.GraphQL;

/// <summary>
/// <c>JSON</c>: a value passed through as the service wrote it (a step's data schema, result or action; an application's
/// offer or contract), for shapes each skill defines itself; as an argument (a step's <c>data</c>), passed on as given.
/// </summary>
public sealed class JsonScalar : ScalarGraphType
{
    public JsonScalar()
    {
        Name = "JSON";
        Description = "Any JSON value, exactly as the REST API returns or takes it (shapes that each skill defines).";
    }

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        JsonElement element => element,
        _ => throw new InvalidOperationException($"JSON cannot serialize {value.GetType().Name}."),
    };

    public override object? ParseValue(object? value) => value switch
    {
        null => null,
        JsonElement element => element,
        _ => JsonSerializer.SerializeToElement(value),
    };

    public override object? ParseLiteral(GraphQLValue value) => JsonSerializer.SerializeToElement(Literal(value));

    public override bool CanParseLiteral(GraphQLValue value) => true;

    public override bool CanParseValue(object? value) => true;

    private static object? Literal(GraphQLValue value) => value switch
    {
        GraphQLObjectValue o => (o.Fields ?? []).ToDictionary(f => f.Name.StringValue, f => Literal(f.Value)),
        GraphQLListValue l => (l.Values ?? []).Select(Literal).ToList(),
        GraphQLStringValue s => s.Value.ToString(),
        GraphQLIntValue i => decimal.Parse(i.Value.Span, provider: System.Globalization.CultureInfo.InvariantCulture),
        GraphQLFloatValue f => decimal.Parse(f.Value.Span, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture),
        GraphQLBooleanValue b => b.BoolValue,
        GraphQLEnumValue e => e.Name.StringValue,
        _ => null,
    };
}
