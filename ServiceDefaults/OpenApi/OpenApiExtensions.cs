using Microsoft.AspNetCore.Builder;
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
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = title;
            document.Info.Description = description;
            document.Info.Version = "v1";
            document.Servers = [];
            return Task.CompletedTask;
        }));
        return builder;
    }

    /// <summary>Maps the OpenAPI document in every environment: it is the public contract.</summary>
    public static IEndpointRouteBuilder MapServiceOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi();
        return app;
    }
}
