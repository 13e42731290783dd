using Finqware.ServiceDefaults.Data;
using Finqware.ServiceDefaults.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class DatabaseExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TContext"/> on PostgreSQL from <c>ConnectionStrings:{connectionName}</c>
    /// (snake_case tables and columns), a readiness health check for it, and a start-up step that waits for the
    /// server (bounded retry) and applies pending migrations before the service accepts requests.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase<TContext>(this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"Missing connection string 'ConnectionStrings:{connectionName}' (environment variable ConnectionStrings__{connectionName}). " +
                "Start the service through the AppHost (./run.sh) or set it to an Npgsql connection string.");
        }

        connectionString = Tuned(connectionString);
        builder.Services.AddDbContext<TContext>((services, options) => options
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention()
            .AddInterceptors(new OutboxCommitInterceptor(services.GetService<OutboxSignal>())));

        builder.Services.AddOptions<DatabaseStartupOptions>().BindConfiguration(DatabaseStartupOptions.Section);
        builder.Services.AddHostedService<DatabaseMigrator<TContext>>();
        builder.Services.AddHealthChecks().AddDbContextCheck<TContext>(connectionName, tags: [ServiceDefaultsExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Npgsql settings for request-path work, unless the connection string sets them: statements a service runs
    /// again and again are prepared on the server after their second use (no parse and plan per request), and a
    /// pooled connection is not reset on return (services keep no session state on connections; transactions scope
    /// their own settings).
    /// </summary>
    public static string Tuned(string connectionString)
    {
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!settings.ContainsKey("Max Auto Prepare"))
        {
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }

        if (!settings.ContainsKey("No Reset On Close"))
        {
            settings.NoResetOnClose = true;
        }

        return settings.ConnectionString;
    }
}
