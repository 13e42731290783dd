using Finqware.Gateway.Docs;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapApiReference();
app.MapReverseProxy();
app.Run();
public partial class Program;
