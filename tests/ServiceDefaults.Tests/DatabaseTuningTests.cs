using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Finqware.ServiceDefaults.Tests;

/// <summary>The Npgsql settings every service's database connection gets unless its connection string says otherwise.</summary>
public sealed class DatabaseTuningTests
{
    [Fact]
    public void A_plain_connection_string_gets_auto_prepare_no_reset_on_close_and_a_30_s_idle_lifetime()
    {
        var tuned = new NpgsqlConnectionStringBuilder(NpgsqlExtensions.Tuned("Host=127.0.0.1;Port=5432;Username=postgres;Database=sessiondb"));

        Assert.Equal((64, 2, true, 30), (tuned.MaxAutoPrepare, tuned.AutoPrepareMinUsages, tuned.NoResetOnClose, tuned.ConnectionIdleLifetime));
        Assert.Equal(("127.0.0.1", 5432, "sessiondb"), (tuned.Host, tuned.Port, tuned.Database));
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0;No Reset On Close=false;Connection Idle Lifetime=300")]
    [InlineData("Host=db;maxautoprepare=0;NoResetOnClose=false;connectionidlelifetime=300")]
    public void What_the_connection_string_sets_is_kept_whatever_its_spelling(string connectionString)
    {
        var tuned = new NpgsqlConnectionStringBuilder(NpgsqlExtensions.Tuned(connectionString));

        Assert.Equal((0, false, 300), (tuned.MaxAutoPrepare, tuned.NoResetOnClose, tuned.ConnectionIdleLifetime));
    }
}
