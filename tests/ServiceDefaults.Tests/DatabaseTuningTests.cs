using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Finqware.ServiceDefaults.Tests;

/// <summary>The Npgsql settings every service's database connection gets unless its connection string says otherwise.</summary>
public sealed class DatabaseTuningTests
{
    [Fact]
    public void A_plain_connection_string_gets_auto_prepare_and_no_reset_on_close()
    {
        var tuned = new NpgsqlConnectionStringBuilder(NpgsqlExtensions.Tuned("Host=127.0.0.1;Port=5432;Username=postgres;Database=sessiondb"));

        Assert.Equal((64, 2, true), (tuned.MaxAutoPrepare, tuned.AutoPrepareMinUsages, tuned.NoResetOnClose));
        Assert.Equal(("127.0.0.1", 5432, "sessiondb"), (tuned.Host, tuned.Port, tuned.Database));
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0;No Reset On Close=false")]
    [InlineData("Host=db;maxautoprepare=0;NoResetOnClose=false")]
    public void What_the_connection_string_sets_is_kept_whatever_its_spelling(string connectionString)
    {
        var tuned = new NpgsqlConnectionStringBuilder(NpgsqlExtensions.Tuned(connectionString));

        Assert.Equal((0, false), (tuned.MaxAutoPrepare, tuned.NoResetOnClose));
    }
}
