using Finqware.Gateway.Docs;
using Finqware.Gateway.GraphQL;
using Finqware.Gateway.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapServicesHealth();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapApiReference();
app.MapGraphQLApi();
app.MapReverseProxy();
app.Run();
public partial class Program;
