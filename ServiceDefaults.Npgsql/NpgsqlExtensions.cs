using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

public static class NpgsqlExtensions
{
    /// <summary>
    /// A singleton <see cref="NpgsqlDataSource"/> for <c>ConnectionStrings:{connectionName}</c> (<see cref="Tuned"/>), a
    /// readiness health check named <paramref name="connectionName"/> on it, and Npgsql's spans and metrics. A service's
    /// EF Core context uses this data source too (<c>AddServiceDatabase</c>): one pool per process.
    /// </summary>
    public static IHostApplicationBuilder AddNpgsqlDataSource(this IHostApplicationBuilder builder, string connectionName)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"Missing connection string 'ConnectionStrings:{connectionName}' (environment variable ConnectionStrings__{connectionName}): " +
                "the process's own PostgreSQL database. Start it through the AppHost (./run.sh), which sets it, or set it to an Npgsql connection string.");
        }

        var tuned = Tuned(connectionString);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(tuned));
        builder.Services.AddHealthChecks().AddNpgSql(
            services => services.GetRequiredService<NpgsqlDataSource>(), name: connectionName, tags: [ServiceDefaultsExtensions.ReadyTag]);
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource("Npgsql"))
            .WithMetrics(metrics => metrics.AddMeter("Npgsql"));
        return builder;
    }

    /// <summary>
    /// Npgsql settings for request-path work, unless the connection string sets them: statements a process runs
    /// again and again are prepared on the server after their second use (no parse and plan per request), and a
    /// pooled connection is not reset on return (Finqware keeps no session state on connections; transactions scope
    /// their own settings), which saves a <c>DISCARD ALL</c> round trip each time a connection is taken from the pool
    /// (it also dropped the prepared statements). A connection idle for 30 s is closed (Npgsql's default is 300 s): each
    /// one is a PostgreSQL backend process of 1.5-2.5 MB, and the connections a burst opened would otherwise stay for five
    /// minutes in every process's pool (docs/benchmarks.md, the footprint).
    /// </summary>
    public static string Tuned(string connectionString)
    {
        // NpgsqlConnectionStringBuilder.ContainsKey answers true for every keyword it knows, set or not: ask a plain
        // builder which keys the string itself names.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>().Select(key => key.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()).ToHashSet();
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
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

        if (!given.Contains("CONNECTIONIDLELIFETIME"))
        {
            settings.ConnectionIdleLifetime = 30;
        }

        return settings.ConnectionString;
    }
}
