using Microsoft.Extensions.Hosting;

namespace Finqware.ServiceDefaults.Data;

public sealed class DatabaseStartupOptions
{
    public const string Section = "Database";

    /// <summary>How long to keep trying to reach the server at start before giving up.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Apply pending EF Core migrations at start (on by default; turn off when a deploy job migrates).</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>
    /// Apply pending migrations and exit without serving (the deploy's migration job): see
    /// <see cref="DatabaseExtensions.RunOrMigrate"/>.
    /// </summary>
    public bool MigrateOnly { get; set; }
}
