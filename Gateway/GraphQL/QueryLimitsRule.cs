using GraphQL.Validation;
using GraphQL.Validation.Complexity;
using GraphQL.Validation.Rules.Custom;

namespace Finqware.Gateway.GraphQL;

/// <summary>
/// GraphQL.NET's complexity analysis with our limits, reporting which one a query broke: <c>QUERY_TOO_DEEP</c> or
/// <c>QUERY_TOO_COMPLEX</c>. Runs as a validation rule, so a refused query reaches no service.
/// </summary>
public sealed class QueryLimitsRule(GraphQLOptions limits) : ComplexityValidationRule(new ComplexityOptions
{
    MaxDepth = limits.MaxDepth,
    MaxComplexity = limits.MaxComplexity,
    DefaultListImpactMultiplier = 5,
})
{
    protected override ValueTask ValidateComplexityAsync(ValidationContext context, double totalComplexity, int maxDepth)
    {
        if (maxDepth > limits.MaxDepth)
        {
            context.ReportError(new ValidationError(
                $"The query is {maxDepth} fields deep; at most {limits.MaxDepth} are allowed. Split it into several queries.")
            { Code = GraphQLErrorCodes.QueryTooDeep });
        }
        else if (totalComplexity > limits.MaxComplexity)
        {
            context.ReportError(new ValidationError(
                $"The query's estimated cost is {Math.Ceiling(totalComplexity)}; at most {limits.MaxComplexity} is allowed. Ask for fewer fields or smaller pages (first), or split it.")
            { Code = GraphQLErrorCodes.QueryTooComplex });
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>Refuses a mutation (<c>METHOD_NOT_ALLOWED</c>): used for GET requests, which must not change anything.</summary>
public sealed class QueriesOnlyRule : ValidationRuleBase
{
    private static readonly MatchingNodeVisitor<GraphQLParser.AST.GraphQLOperationDefinition> Visitor = new((operation, context) =>
    {
        if (operation.Operation == GraphQLParser.AST.OperationType.Mutation)
        {
            context.ReportError(new ValidationError("Mutations are sent with POST /graphql, never with GET.") { Code = GraphQLErrorCodes.MethodNotAllowed });
        }
    });

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) => new(Visitor);
}
