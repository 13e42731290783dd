using Finqware.ServiceDefaults.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class DatabaseExtensions
{
    private const string MigrationsHistory = "__ef_migrations_history";

    /// <summary>
    /// Registers <typeparamref name="TContext"/> on PostgreSQL from <c>ConnectionStrings:{connectionName}</c>
    /// (snake_case tables and columns) over the process's <see cref="Npgsql.NpgsqlDataSource"/>
    /// (<see cref="NpgsqlExtensions.AddNpgsqlDataSource"/>: its readiness check and telemetry come with it), and a
    /// start-up step that waits for the server (bounded retry) and applies pending migrations before the service
    /// accepts requests.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase<TContext>(this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext
    {
        // One pool for EF Core and for the few hot statements a service runs on the data source itself.
        builder.AddNpgsqlDataSource(connectionName);
        // Pooled: a context is reset and reused rather than built per request. Building one (its options and the
        // scope of EF Core's internal services) was a third of the CPU of a session read (see docs/benchmarks.md).
        builder.Services.AddDbContextPool<TContext>((services, options) => options
            .UseNpgsql(services.GetRequiredService<Npgsql.NpgsqlDataSource>(), npgsql => npgsql.MigrationsHistoryTable(MigrationsHistory))
            .UseSnakeCaseNamingConvention()
            .AddInterceptors(new OutboxCommitInterceptor(services.GetService<OutboxSignal>()), NoAutoSavepoints.Instance));

        builder.Services.AddOptions<DatabaseStartupOptions>().BindConfiguration(DatabaseStartupOptions.Section);
        builder.Services.AddSingleton<DatabaseMigrator<TContext>>();
        builder.Services.AddSingleton<IDatabaseMigrator>(services => services.GetRequiredService<DatabaseMigrator<TContext>>());
        builder.Services.AddHostedService(services => services.GetRequiredService<DatabaseMigrator<TContext>>());
        return builder;
    }

    /// <summary>
    /// The options <c>dotnet ef</c> builds <typeparamref name="TContext"/> with (a service's <c>DesignTimeFactory</c>):
    /// those of <see cref="AddServiceDatabase{TContext}"/> (the migrations history table, snake_case), no database.
    /// </summary>
    public static DbContextOptions<TContext> DesignTimeOptions<TContext>(string database)
        where TContext : DbContext => new DbContextOptionsBuilder<TContext>()
        .UseNpgsql($"Host=localhost;Database={database}", npgsql => npgsql.MigrationsHistoryTable(MigrationsHistory))
        .UseSnakeCaseNamingConvention()
        .Options;

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
}
