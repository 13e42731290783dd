using Finqware.Contracts.Tenants;

namespace Finqware.TenantService.Tests;

/// <summary>Tenant changes reach other services through the outbox: once per change, even across a crash.</summary>
public sealed class EventTests(PostgresServerFixture postgres, RabbitMqFixture rabbit)
{
    [Fact]
    public async Task Each_change_publishes_one_tenant_upserted_with_a_growing_version()
    {
        var broker = await rabbit.CreateVirtualHostAsync("events");
        await using var events = await MessageRecorder.StartAsync(broker, record => record.Record<TenantUpserted>().Record<TenantRemoved>());
        await using var host = await TenantServiceHost.StartAsync(postgres, rabbit, broker: broker);
        var (servicer, token) = await host.NewServicerAsync();

        var clientId = (await host.NewTenantAsync(servicer, token, "xyz_aisp_sbx_#1.0")).GetProperty("client_id").GetString()!;
        await host.SendAsync(HttpMethod.Put, $"/tenants/{clientId}/skills", token, new { skills = new[] { "xyz_sbx_#3.0" } });
        await host.PostJsonAsync($"/tenants/{clientId}/keys/rotate", new { key = "app_key" }, token);
        await host.SendAsync(HttpMethod.Delete, $"/tenants/{clientId}", token);

        await Eventually(() => events.Of<TenantUpserted>().Count(e => e.ClientId == clientId) >= 3 && events.Of<TenantRemoved>().Any(e => e.ClientId == clientId));
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        var upserts = events.Of<TenantUpserted>().Where(e => e.ClientId == clientId).OrderBy(e => e.Version).ToList();
        Assert.Equal([1L, 2L, 3L], upserts.Select(e => e.Version));
        Assert.Equal(["xyz_sbx_#3.0"], upserts[1].Skills);
        Assert.Equal(3, upserts[2].Keys.Count);
        Assert.Single(upserts[2].WebhookKeys);
        Assert.Single(upserts[2].Keys, k => k.Kind == "app_key" && k.ValidUntil is not null);
        Assert.Equal(4, Assert.Single(events.Of<TenantRemoved>(), e => e.ClientId == clientId).Version);
    }

    [Fact]
    public async Task A_change_committed_by_a_process_that_died_before_publishing_is_published_once_after_restart()
    {
        var broker = await rabbit.CreateVirtualHostAsync("crash");
        var database = await postgres.CreateDatabaseAsync("crash");
        await using var events = await MessageRecorder.StartAsync(broker, record => record.Record<TenantUpserted>().Record<TenantRemoved>());
        string clientId;

        // The first process commits the tenant and its outbox row, and dies before its relay publishes anything.
        await using (var dying = await TenantServiceHost.StartAsync(postgres, rabbit, new() { ["Outbox:RelayEnabled"] = "false" }, database, broker))
        {
            var (servicer, token) = await dying.NewServicerAsync();
            clientId = (await dying.NewTenantAsync(servicer, token)).GetProperty("client_id").GetString()!;
        }

        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(events.Of<TenantUpserted>(), e => e.ClientId == clientId);

        // Two instances come back at once: the row is published by exactly one of them.
        await using var first = await TenantServiceHost.StartAsync(postgres, rabbit, database: database, broker: broker);
        await using var second = await TenantServiceHost.StartAsync(postgres, rabbit, database: database, broker: broker);

        await Eventually(() => events.Of<TenantUpserted>().Any(e => e.ClientId == clientId));
        await Task.Delay(2000, TestContext.Current.CancellationToken);
        Assert.Single(events.Of<TenantUpserted>(), e => e.ClientId == clientId);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The events did not arrive within 20 s.");
            await Task.Delay(100);
        }
    }
}
