using Finqware.TenantService.Infrastructure;
using Finqware.TenantService.Servicers;
using Microsoft.AspNetCore.Identity;

namespace Microsoft.Extensions.Hosting;

public static class TenantServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IPasswordHasher<ServicerUser>, PasswordHasher<ServicerUser>>();
        builder.AddServiceDatabase<TenantDbContext>("tenantdb");
        builder.AddMessaging();
        builder.AddOutboxRelay<TenantDbContext>();
        builder.AddServiceOpenApi("Finqware Tenants API", "Servicers, their users and tenant apps, tenant credentials and OAuth 2.0 tokens.");
        return builder;
    }
}
