using Finqware.AppHost.Hosting;
using Finqware.AppHost.Infrastructure;
using Npgsql;

namespace Finqware.AppHost.Tests;

/// <summary>The launchers the AppHost and the test fixtures share: real servers, and nothing left when they stop.</summary>
public sealed class LocalInfrastructureTests
{
    [Fact]
    public async Task Local_postgres_starts_serves_keeps_its_data_and_leaves_no_process()
    {
        var folder = TestInfrastructure.TempDirectory("pg");
        try
        {
            var first = new LocalPostgres(folder, Ports.Free(), fastAndUnsafe: true);
            await first.StartAsync(TestContext.Current.CancellationToken);
            await first.CreateDatabaseAsync("keepme", TestContext.Current.CancellationToken);
            await first.CreateDatabaseAsync("keepme", TestContext.Current.CancellationToken);
            await ExecuteAsync(first.ConnectionStringFor("keepme"), "CREATE TABLE t (v int); INSERT INTO t VALUES (42);");
            var group = first.Process!.ProcessGroup;
            await first.StopAsync();
            Assert.False(ChildProcess.GroupIsAlive(group));

            var second = new LocalPostgres(folder, Ports.Free(), fastAndUnsafe: true);
            await second.StartAsync(TestContext.Current.CancellationToken);
            try
            {
                await using var connection = new NpgsqlConnection(second.ConnectionStringFor("keepme"));
                await connection.OpenAsync(TestContext.Current.CancellationToken);
                await using var command = new NpgsqlCommand("SELECT v FROM t", connection);
                Assert.Equal(42, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
            }
            finally
            {
                await second.StopAsync();
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Local_rabbitmq_accepts_amqp_serves_the_management_api_and_leaves_no_process()
    {
        var folder = TestInfrastructure.TempDirectory("mq");
        var node = new LocalRabbitMq(folder, Ports.Free(), Ports.Free());
        try
        {
            await node.StartAsync(TestContext.Current.CancellationToken);
            var groups = new[] { node.Process!.ProcessGroup, node.EpmdProcess!.ProcessGroup };

            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync("127.0.0.1", node.AmqpPort, TestContext.Current.CancellationToken);
            using var http = new HttpClient();
            http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
            var overview = await http.GetAsync(new Uri(node.ManagementUrl + "/api/overview"), TestContext.Current.CancellationToken);
            Assert.True(overview.IsSuccessStatusCode, $"management API answered {(int)overview.StatusCode}");

            await node.StopAsync();

            Assert.All(groups, g => Assert.False(ChildProcess.GroupIsAlive(g), $"process group {g} still runs"));
        }
        finally
        {
            await node.StopAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
