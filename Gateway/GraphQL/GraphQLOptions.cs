using System.ComponentModel.DataAnnotations;

namespace Finqware.Gateway.GraphQL;

/// <summary>Limits of <c>/graphql</c> (section <c>GraphQL</c>): refused before anything is asked of a service.</summary>
public sealed class GraphQLOptions
{
    public const string Section = "GraphQL";

    /// <summary>The deepest nesting of fields a query may select (the standard introspection query needs 13).</summary>
    [Range(1, 100)]
    public int MaxDepth { get; set; } = 15;

    /// <summary>
    /// The highest estimated cost of a query: every field counts 1, times the page size (<c>first</c>) of the list it is in,
    /// or 5 for lists without one; introspection counts a tenth.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxComplexity { get; set; } = 20_000;

    /// <summary>The largest request accepted: POST body or GET query string, in bytes.</summary>
    [Range(256, 10 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 64 * 1024;
}
