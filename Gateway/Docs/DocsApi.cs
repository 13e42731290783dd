using Finqware.Gateway.OpenApi;
using Scalar.AspNetCore;

namespace Finqware.Gateway.Docs;

public static class DocsApi
{
    /// <summary>
    /// The API reference at <c>/docs</c> (Scalar): the public document (<c>/openapi/v1.json</c>, see
    /// <see cref="PublicDocument"/>) first, then every service's own document for operators. The gateway serves those at
    /// <c>/openapi/{service}.json</c> by forwarding to each service's <c>/openapi/v1.json</c> (see the <c>openapi-*</c>
    /// routes in appsettings.json), so the documents always match the running services.
    /// </summary>
    public static WebApplication MapApiReference(this WebApplication app)
    {
        PublicDocument.MapPublicDocument(app);
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/docs", options => options
            .WithTitle("Finqware API reference")
            .AddDocument("public", "Finqware API", PublicDocument.Path, isDefault: true)
            .AddDocument("sessions", "Sessions", "/openapi/sessions.json")
            .AddDocument("catalog", "Catalog", "/openapi/catalog.json")
            .AddDocument("tenants", "Tenants and OAuth", "/openapi/tenants.json")
            .AddDocument("gateway", "Gateway", "/openapi/gateway.json")
            .DisableDefaultFonts());
        return app;
    }
}
