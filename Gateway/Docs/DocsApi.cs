using Scalar.AspNetCore;

namespace Finqware.Gateway.Docs;

public static class DocsApi
{
    /// <summary>
    /// The API reference at <c>/docs</c> (Scalar), showing every service's OpenAPI document. The gateway serves
    /// them at <c>/openapi/{service}.json</c> by forwarding to each service's <c>/openapi/v1.json</c> (see the
    /// <c>openapi-*</c> routes in appsettings.json), so the documents always match the running services.
    /// </summary>
    public static WebApplication MapApiReference(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/docs", options => options
            .WithTitle("Finqware API reference")
            .AddDocument("sessions", "Sessions", "/openapi/sessions.json", isDefault: true)
            .AddDocument("catalog", "Catalog", "/openapi/catalog.json")
            .AddDocument("tenants", "Tenants and OAuth", "/openapi/tenants.json")
            .AddDocument("gateway", "Gateway", "/openapi/gateway.json")
            .DisableDefaultFonts());
        return app;
    }
}
