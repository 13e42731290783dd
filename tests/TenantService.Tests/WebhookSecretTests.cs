using System.Security.Cryptography;
using Finqware.Contracts.Tenants;
using Finqware.ServiceDefaults.Security;
using Microsoft.Extensions.Configuration;

namespace Finqware.TenantService.Tests;

/// <summary>
/// A webhook secret cannot be recovered, nor its signing key (what signs webhooks: the secret's SHA-256) read, from
/// TenantService's database or from the broker: both hold the signing key only sealed to SessionService's key.
/// </summary>
public sealed class WebhookSecretTests(PostgresServerFixture postgres, RabbitMqFixture rabbit)
{
    [Fact]
    public async Task A_webhook_secret_cannot_be_recovered_from_the_database_or_the_broker()
    {
        var broker = await rabbit.CreateVirtualHostAsync("webhook-secret");
        await using var events = await MessageRecorder.StartAsync(broker, record => record.Record<TenantUpserted>());
        await using var host = await TenantServiceHost.StartAsync(postgres, rabbit, broker: broker);
        var (servicer, token) = await host.NewServicerAsync();
        var tenant = await host.NewTenantAsync(servicer, token);
        var clientId = tenant.GetProperty("client_id").GetString()!;
        var first = tenant.GetProperty("webhook_secret").GetString()!;
        var second = (await host.PostJsonAsync($"/tenants/{clientId}/keys/rotate", new { key = "webhook_secret", grace_period_seconds = 3600 }, token))
            .GetProperty("value").GetString()!;

        await Eventually(() => events.Of<TenantUpserted>().Count(e => e.ClientId == clientId) >= 2);
        var stored = await host.DumpDatabaseAsync();
        var carried = string.Join('\n', events.Raw);

        foreach (var secret in new[] { first, second })
        {
            foreach (var form in WebhookSecretForms.Of(secret))
            {
                Assert.DoesNotContain(form, stored, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(form, carried, StringComparison.OrdinalIgnoreCase);
            }
        }

        // What is there opens with SessionService's private key only, to the signing keys the tenant verifies with:
        // during the grace period both the new and the old one.
        var latest = events.Of<TenantUpserted>().Where(e => e.ClientId == clientId).MaxBy(e => e.Version)!;
        Assert.DoesNotContain(latest.Keys, k => k.Kind == "webhook_secret");
        using var sessions = SealedBox.ImportPrivateKey(SessionServicePrivateKey());
        using var stranger = SealedBox.ImportPrivateKey(SealedBox.NewKeyPair().PrivateKey);
        byte[]? Open(SealedWebhookKey key) => SealedBox.Open(sessions, key.Sealed, SealedWebhookKey.ContextFor(clientId, key.KeyId));
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(second)), Open(latest.WebhookKeys.Single(k => k.ValidUntil is null)));
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(first)), Open(latest.WebhookKeys.Single(k => k.ValidUntil is not null)));
        Assert.All(latest.WebhookKeys, k => Assert.Null(SealedBox.Open(stranger, k.Sealed, SealedWebhookKey.ContextFor(clientId, k.KeyId))));
        Assert.All(latest.WebhookKeys, k => Assert.Null(SealedBox.Open(sessions, k.Sealed, SealedWebhookKey.ContextFor("fqc_another_tenant", k.KeyId))));
    }

    /// <summary>The development private key SessionService is configured with (the pair of TenantService's public key).</summary>
    private static string SessionServicePrivateKey()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Finqware.sln")))
        {
            root = root.Parent!;
        }

        return new ConfigurationBuilder().AddJsonFile(Path.Combine(root.FullName, "SessionService", "appsettings.Development.json")).Build()["WebhookSealing:PrivateKey"]!;
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the events");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
