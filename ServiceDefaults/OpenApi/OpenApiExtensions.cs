using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Microsoft.Extensions.Hosting;

public static class OpenApiExtensions
{
    /// <summary>
    /// The service's OpenAPI document at <c>/openapi/v1.json</c>. It names no server, so the API reference that
    /// the gateway serves at <c>/docs</c> sends "try it" requests through the gateway, as tenants do.
    /// </summary>
    public static IHostApplicationBuilder AddServiceOpenApi(this IHostApplicationBuilder builder, string title, string description)
    {
        builder.Services.AddOpenApi(options => options
            .AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = title;
                document.Info.Description = description;
                document.Info.Version = "v1";
                document.Servers = [];
                return Task.CompletedTask;
            })
            .AddApiContract());
        return builder;
    }

    /// <summary>
    /// The document follows the JSON conventions (no nulls written) and carries each endpoint's contract metadata
    /// (<see cref="ApiContract"/>) for the gateway's public document.
    /// </summary>
    public static OpenApiOptions AddApiContract(this OpenApiOptions options) => options
        .AddSchemaTransformer(OmittedNullsAreOptional)
        .AddSchemaTransformer(AllowedValuesAreAnEnum)
        .AddOperationTransformer(ApiContract.WriteExtensionsAsync);

    /// <summary>
    /// A property that can be null is left out of the JSON when it is (ApiJson writes no nulls), so it is not required,
    /// whatever the record's constructor says.
    /// </summary>
    private static Task OmittedNullsAreOptional(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Required is { Count: > 0 } required && context.JsonPropertyInfo is null)
        {
            foreach (var property in context.JsonTypeInfo.Properties.Where(p => p.IsGetNullable
                && p.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: true) != true))
            {
                required.Remove(property.Name);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary><c>[AllowedValues]</c> on a property or parameter lists its values (<c>enum</c>), as the handler checks them.</summary>
    private static Task AllowedValuesAreAnEnum(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var provider = context.JsonPropertyInfo?.AttributeProvider ?? (context.ParameterDescription?.ParameterDescriptor as IParameterInfoParameterDescriptor)?.ParameterInfo;
        if (provider?.GetCustomAttributes(typeof(AllowedValuesAttribute), inherit: true).FirstOrDefault() is AllowedValuesAttribute allowed)
        {
            schema.Enum = [.. allowed.Values.Select(v => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(v?.ToString() ?? ""))];
        }

        if (provider?.GetCustomAttributes(typeof(ItemsMaxLengthAttribute), inherit: true).FirstOrDefault() is ItemsMaxLengthAttribute items
            && schema.Items is OpenApiSchema item)
        {
            item.MaxLength = items.Length;
        }

        return Task.CompletedTask;
    }

    /// <summary>Maps the OpenAPI document in every environment: it is the public contract.</summary>
    public static IEndpointRouteBuilder MapServiceOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi();
        return app;
    }
}

/// <summary>The longest string each item of a list may be (the OpenAPI document's <c>items.maxLength</c>).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class ItemsMaxLengthAttribute(int length) : Attribute
{
    public int Length { get; } = length;
}
