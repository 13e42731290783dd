using Finqware.ServiceDefaults.Data.Idempotency;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

public static class IdempotencyExtensions
{
    /// <summary>
    /// Idempotency-Key for the service (<see cref="IdempotencyMiddleware"/>), kept in its own database: its model must
    /// add the table (<see cref="IdempotencyModelExtensions.AddIdempotencyKeys"/>, and a migration).
    /// </summary>
    public static IHostApplicationBuilder AddIdempotency(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IdempotencyStore>();
        builder.Services.AddHostedService<IdempotencySweeper>();
        return builder;
    }

    /// <summary>After authorization, so that keys are scoped to the authenticated caller. <paramref name="excludedPaths"/>: routes that are not resources (token requests).</summary>
    public static IApplicationBuilder UseIdempotency(this IApplicationBuilder app, params string[] excludedPaths) =>
        app.UseMiddleware<IdempotencyMiddleware>((IReadOnlyCollection<string>)excludedPaths);
}
