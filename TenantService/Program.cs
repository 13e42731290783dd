using Finqware.TenantService.Audit;
using Finqware.TenantService.Servicers;
using Finqware.TenantService.Tenants;
using Finqware.TenantService.Tokens;
using Finqware.TenantService.Usage;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
// After authorization: keys are scoped to the authenticated caller. Token requests are not resources.
app.UseIdempotency("/oauth/token", "/auth/token");
app.MapServiceOpenApi();
app.MapServicersApi();
app.MapAuthApi();
app.MapTenantsApi();
app.MapTenantSkillsApi();
app.MapTenantKeysApi();
app.MapOAuthApi();
app.MapTenantRegistryApi();
app.MapAuditApi();
app.MapUsageApi();
app.MapOperatorUsageApi();
app.RunOrMigrate();

public partial class Program;
