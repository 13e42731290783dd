using Finqware.Gateway.Docs;
using Finqware.Gateway.GraphQL;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapApiReference();
app.MapGraphQLApi();
app.MapReverseProxy();
app.Run();
public partial class Program;
