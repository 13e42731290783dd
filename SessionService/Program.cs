using Finqware.SessionService.Sessions;
using Finqware.SessionService.Steps;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseAuthentication();
app.UseAuthorization();
app.MapServiceOpenApi();
app.MapSessionsApi();
app.MapStepsApi();
app.Run();
