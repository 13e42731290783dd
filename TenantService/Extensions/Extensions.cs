using Finqware.TenantService.Audit;
using Finqware.TenantService.Catalog;
using Finqware.TenantService.Infrastructure;
using Finqware.TenantService.Servicers;
using Finqware.TenantService.Tenants;
using Finqware.TenantService.Tokens;
using Finqware.TenantService.Usage;
using MassTransit;
using Microsoft.AspNetCore.Identity;

namespace Microsoft.Extensions.Hosting;

public static class TenantServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IPasswordHasher<ServicerUser>, PasswordHasher<ServicerUser>>();
        builder.AddServiceDatabase<TenantDbContext>("tenantdb");
        builder.AddMessaging("tenants", bus => bus.AddConsumer<UsageRecordedConsumer, UsageRecordedConsumer.Definition>());
        builder.AddOutboxRelay<TenantDbContext>();
        builder.AddIdempotency();
        builder.Services.AddOptions<InternalApiOptions>().BindConfiguration(InternalApiOptions.Section);

        builder.Services.AddOptions<TokenIssuingOptions>().BindConfiguration(TokenIssuingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<LoginOptions>().BindConfiguration(LoginOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<KeyRotationOptions>().BindConfiguration(KeyRotationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<WebhookSealingOptions>().BindConfiguration(WebhookSealingOptions.Section).ValidateDataAnnotations()
            .Validate(o => WebhookKeySealer.IsValidKey(o.PublicKey), "WebhookSealing:PublicKey is not a P-256 public key (base64 SubjectPublicKeyInfo).").ValidateOnStart();
        builder.Services.AddSingleton<WebhookKeySealer>();
        builder.Services.AddSingleton<SigningKeyStore>();
        builder.Services.AddHostedService<SigningKeyInitializer>();
        builder.Services.AddSingleton<TokenIssuer>();
        builder.AddTokenAuthentication();
        builder.AddPortalRoles();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddOptions<UsageStoreOptions>().BindConfiguration(UsageStoreOptions.Section);
        builder.Services.AddHostedService<UsageRetentionSweeper>();
        builder.Services.AddSingleton<UsageMetrics>();
        builder.AddEdgeRateLimits();

        builder.Services.AddHttpClient<ICatalogClient, HttpCatalogClient>(http => http.BaseAddress = new Uri("http://catalog"));

        builder.AddServiceOpenApi("Finqware Tenants API", "Servicers, their users and tenant apps, tenant credentials and OAuth 2.0 tokens.");
        return builder;
    }
}
