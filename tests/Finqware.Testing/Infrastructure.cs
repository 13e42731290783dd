using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Finqware.AppHost.Infrastructure;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;
using Xunit;

namespace Finqware.Testing;

/// <summary>Where the test servers come from, in order: an environment variable, Docker, a local process.</summary>
public static class TestInfrastructure
{
    public const string PostgresVariable = "FINQWARE_TEST_POSTGRES";
    public const string RabbitMqVariable = "FINQWARE_TEST_RABBITMQ";
    public const string RabbitMqManagementVariable = "FINQWARE_TEST_RABBITMQ_MANAGEMENT";

    /// <summary>True when a Docker engine answers on its socket (never on this project's machines, but on some laptops).</summary>
    public static bool DockerAvailable
    {
        get
        {
            if (!File.Exists("/var/run/docker.sock"))
            {
                return false;
            }

            try
            {
                using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint("/var/run/docker.sock"));
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }
    }

    public static void DeleteQuietly(string? path)
    {
        try
        {
            if (path is not null && Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A fresh folder under the system temp directory, removed by the caller.</summary>
    public static string TempDirectory(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"finqware-{prefix}-{Guid.NewGuid():N}"[..32]);
        Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>
/// A real PostgreSQL server shared by a test assembly (<c>[assembly: AssemblyFixture(typeof(PostgresServerFixture))]</c>):
/// from <c>FINQWARE_TEST_POSTGRES</c>, else a Testcontainers container when Docker answers, else a throwaway local
/// server (fsync off) on a free port, removed afterwards. Each test class asks it for a database of its own.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private LocalPostgres? local;
    private PostgreSqlContainer? container;
    private string? folder;

    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(TestInfrastructure.PostgresVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            ConnectionString = external;
        }
        else if (TestInfrastructure.DockerAvailable)
        {
            container = new PostgreSqlBuilder("postgres:15").Build();
            await container.StartAsync();
            ConnectionString = container.GetConnectionString();
        }
        else
        {
            folder = TestInfrastructure.TempDirectory("pg");
            local = new LocalPostgres(folder, Ports.Free(), fastAndUnsafe: true);
            await local.StartAsync(CancellationToken.None);
            ConnectionString = local.ConnectionString;
        }
    }

    /// <summary>Creates a uniquely named database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(60, prefix.Length + 33)].ToLowerInvariant();
        await LocalPostgres.CreateDatabaseAsync(ConnectionString, name, CancellationToken.None);
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (local is not null)
        {
            await local.StopAsync();
            TestInfrastructure.DeleteQuietly(local.Folder);
        }

        if (container is not null)
        {
            await container.DisposeAsync();
        }

        TestInfrastructure.DeleteQuietly(folder);
    }
}

/// <summary>
/// A real RabbitMQ broker shared by a test assembly: from <c>FINQWARE_TEST_RABBITMQ</c> (management API at
/// <c>FINQWARE_TEST_RABBITMQ_MANAGEMENT</c>, default port 15672 of the same host), else a Testcontainers container,
/// else a throwaway local node. Each test class gets a virtual host of its own, so queues never leak between tests.
/// </summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    private LocalRabbitMq? local;
    private RabbitMqContainer? container;
    private string? folder;
    private HttpClient? management;

    public string ConnectionString { get; private set; } = "";

    public Uri ManagementUri { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(TestInfrastructure.RabbitMqVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            ConnectionString = external.TrimEnd('/');
            var uri = new Uri(ConnectionString);
            ManagementUri = new Uri(Environment.GetEnvironmentVariable(TestInfrastructure.RabbitMqManagementVariable) ?? $"http://{uri.Host}:15672");
        }
        else if (TestInfrastructure.DockerAvailable)
        {
            container = new RabbitMqBuilder("rabbitmq:3-management").WithPortBinding(15672, true).Build();
            await container.StartAsync();
            ConnectionString = container.GetConnectionString().TrimEnd('/');
            ManagementUri = new Uri($"http://{container.Hostname}:{container.GetMappedPublicPort(15672)}");
        }
        else
        {
            folder = TestInfrastructure.TempDirectory("mq");
            local = new LocalRabbitMq(folder, Ports.Free(), Ports.Free());
            await local.StartAsync(CancellationToken.None);
            ConnectionString = local.ConnectionString;
            ManagementUri = new Uri(local.ManagementUrl);
        }

        var user = new Uri(ConnectionString).UserInfo is { Length: > 0 } info ? Uri.UnescapeDataString(info) : "guest:guest";
        management = new HttpClient { BaseAddress = ManagementUri };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user)));
        // As the AppHost sets it up: the services' user may move connectors' messages (their user_id) to _error queues.
        var credentials = user.Split(':', 2);
        await ConnectorBrokerUser.AllowServiceToMoveMessagesAsync(management, credentials[0], credentials[1], CancellationToken.None);
    }

    /// <summary>Creates a virtual host of its own (full rights for the fixture's user) and returns its amqp:// URI.</summary>
    public async Task<string> CreateVirtualHostAsync(string prefix = "test")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}";
        var user = Uri.UnescapeDataString(new Uri(ConnectionString).UserInfo.Split(':')[0] is { Length: > 0 } u ? u : "guest");
        using (var create = await management!.PutAsync($"api/vhosts/{Uri.EscapeDataString(name)}", null))
        {
            create.EnsureSuccessStatusCode();
        }

        using (var grant = await management.PutAsJsonAsync(
            $"api/permissions/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(user)}",
            new { configure = ".*", write = ".*", read = ".*" }))
        {
            grant.EnsureSuccessStatusCode();
        }

        return $"{ConnectionString}/{Uri.EscapeDataString(name)}";
    }

    /// <summary>
    /// Creates <paramref name="connector"/>'s broker user with its permissions on the virtual host of
    /// <paramref name="vhostUri"/> (as the AppHost does), and returns the amqp:// URI that connects as it.
    /// </summary>
    public async Task<string> CreateConnectorUserAsync(string vhostUri, ConnectorBrokerUser connector)
    {
        var vhost = Uri.UnescapeDataString(new Uri(vhostUri).AbsolutePath.Trim('/'));
        var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await connector.CreateAsync(management!, vhost, password, CancellationToken.None);
        return connector.ConnectionString(vhostUri, password);
    }

    /// <summary>Messages waiting in <paramref name="queue"/> of <paramref name="vhostUri"/> (0 when the queue does not exist).</summary>
    public async Task<int> QueueDepthAsync(string vhostUri, string queue)
    {
        var vhost = Uri.UnescapeDataString(new Uri(vhostUri).AbsolutePath.Trim('/'));
        using var response = await management!.GetAsync($"api/queues/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(queue)}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return 0;
        }

        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return body.TryGetProperty("messages", out var messages) ? messages.GetInt32() : 0;
    }

    /// <summary>
    /// Closes, as the broker would on a network failure, the connections of <paramref name="vhostUri"/> whose client-given
    /// name <paramref name="close"/> picks (null for none given); returns how many it closed.
    /// </summary>
    public async Task<int> CloseConnectionsAsync(string vhostUri, Func<string?, bool> close)
    {
        var vhost = Uri.UnescapeDataString(new Uri(vhostUri).AbsolutePath.Trim('/'));
        var connections = await management!.GetFromJsonAsync<System.Text.Json.JsonElement>($"api/vhosts/{Uri.EscapeDataString(vhost)}/connections");
        var closed = 0;
        foreach (var connection in connections.EnumerateArray())
        {
            var given = connection.TryGetProperty("client_properties", out var properties) && properties.TryGetProperty("connection_name", out var name)
                ? name.GetString()
                : null;
            if (close(given))
            {
                using var request = new HttpRequestMessage(HttpMethod.Delete, $"api/connections/{Uri.EscapeDataString(connection.GetProperty("name").GetString()!)}");
                request.Headers.Add("X-Reason", "closed by a test");
                using var response = await management!.SendAsync(request);
                response.EnsureSuccessStatusCode();
                closed++;
            }
        }

        return closed;
    }

    /// <summary>
    /// Deletes <paramref name="vhostUri"/>'s virtual host: the broker closes its connections and accepts no new one, so
    /// its clients find the broker away without a shared broker being stopped.
    /// </summary>
    public async Task DeleteVirtualHostAsync(string vhostUri)
    {
        var vhost = Uri.UnescapeDataString(new Uri(vhostUri).AbsolutePath.Trim('/'));
        using var response = await management!.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(vhost)}");
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        management?.Dispose();
        if (local is not null)
        {
            await local.StopAsync();
        }

        if (container is not null)
        {
            await container.DisposeAsync();
        }

        TestInfrastructure.DeleteQuietly(folder);
    }
}
