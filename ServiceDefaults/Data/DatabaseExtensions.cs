using Finqware.ServiceDefaults.Data;
using Finqware.ServiceDefaults.Outbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class DatabaseExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TContext"/> on PostgreSQL from <c>ConnectionStrings:{connectionName}</c>
    /// (snake_case tables and columns) over a singleton <see cref="Npgsql.NpgsqlDataSource"/> the service can use too,
    /// a readiness health check for it, and a start-up step that waits for the server (bounded retry) and applies
    /// pending migrations before the service accepts requests.
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

        // One pool for EF Core and for the few hot statements a service runs on the data source itself.
        connectionString = Tuned(connectionString);
        builder.Services.AddSingleton(_ => Npgsql.NpgsqlDataSource.Create(connectionString));
        // Pooled: a context is reset and reused rather than built per request. Building one (its options and the
        // scope of EF Core's internal services) was a third of the CPU of a session read (see docs/benchmarks.md).
        builder.Services.AddDbContextPool<TContext>((services, options) => options
            .UseNpgsql(services.GetRequiredService<Npgsql.NpgsqlDataSource>(), npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention()
            .AddInterceptors(new OutboxCommitInterceptor(services.GetService<OutboxSignal>()), NoAutoSavepoints.Instance));

        builder.Services.AddOptions<DatabaseStartupOptions>().BindConfiguration(DatabaseStartupOptions.Section);
        builder.Services.AddSingleton<DatabaseMigrator<TContext>>();
        builder.Services.AddSingleton<IDatabaseMigrator>(services => services.GetRequiredService<DatabaseMigrator<TContext>>());
        builder.Services.AddHostedService(services => services.GetRequiredService<DatabaseMigrator<TContext>>());
        builder.Services.AddHealthChecks().AddDbContextCheck<TContext>(connectionName, tags: [ServiceDefaultsExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Runs the service; with <c>Database:MigrateOnly</c> (environment <c>Database__MigrateOnly=true</c>, the deploy's
    /// migration job) it applies the pending migrations of its database and returns instead: no port is bound, no
    /// message is consumed, nothing else starts. A failed migration throws, so the process exits non-zero.
    /// </summary>
    public static void RunOrMigrate(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Services.GetRequiredService<IOptions<DatabaseStartupOptions>>().Value.MigrateOnly)
        {
            app.Run();
            return;
        }

        // Disposed on the way out, success or failure, so that the console logger writes what the migrators logged.
        using (app)
        {
            foreach (var migrator in app.Services.GetServices<IDatabaseMigrator>())
            {
                migrator.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
        }
    }

    /// <summary>
    /// Npgsql settings for request-path work, unless the connection string sets them: statements a service runs
    /// again and again are prepared on the server after their second use (no parse and plan per request), and a
    /// pooled connection is not reset on return (services keep no session state on connections; transactions scope
    /// their own settings), which saves a <c>DISCARD ALL</c> round trip each time a connection is taken from the pool
    /// (it also dropped the prepared statements).
    /// </summary>
    public static string Tuned(string connectionString)
    {
        // NpgsqlConnectionStringBuilder.ContainsKey answers true for every keyword it knows, set or not: ask a plain
        // builder which keys the string itself names.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>().Select(key => key.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()).ToHashSet();
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("MAXAUTOPREPARE"))
        {
            settings.MaxAutoPrepare = 64;
            if (!given.Contains("AUTOPREPAREMINUSAGES"))
            {
                settings.AutoPrepareMinUsages = 2;
            }
        }

        if (!given.Contains("NORESETONCLOSE"))
        {
            settings.NoResetOnClose = true;
        }

        return settings.ConnectionString;
    }
}
