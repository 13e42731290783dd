using Finqware.Gateway.Docs;
using Finqware.Gateway.Edge;
using Finqware.Gateway.GraphQL;
using Finqware.Gateway.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseEdge();
app.MapServicesHealth();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapApiReference();
app.MapGraphQLApi();
app.MapReverseProxy(proxy =>
{
    proxy.UseSessionAffinity();
    proxy.UseLoadBalancing();
    proxy.UsePassiveHealthChecks();
    proxy.Use(ProxyErrors.HandleAsync);
});
app.Run();
public partial class Program;
