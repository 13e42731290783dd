using Finqware.SessionService.RequestLog;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
// Around everything that answers a tenant's request, refusals included (docs/usage.md, "Activity log").
app.UseActivityCapture();
// After the problem-details middleware, so that an access check the database fails is a 503 problem like any other.
app.UseAuthentication();
app.UseAuthorization();
// After authorization: keys are scoped to the authenticated caller (docs/api-conventions.md).
app.UseIdempotency();
app.MapServiceOpenApi();
app.MapSessionServiceApi();
app.RunOrMigrate();

/// <summary>Visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
