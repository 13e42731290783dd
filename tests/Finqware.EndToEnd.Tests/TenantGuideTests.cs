using Finqware.AppHost;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// docs/tenants.md, run as written through the gateway: every bash block with curl, in order, then the JWT it
/// produced checked against the JWKS, then every line every service logged searched for the secrets of the flow.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class TenantGuideTests(SystemFixture system)
{
    [Fact]
    public async Task The_tenant_guide_runs_through_the_gateway_and_no_service_logs_its_secrets()
    {
        var blocks = await GuideBlocks.ReadAsync(system, "tenants.md", TestContext.Current.CancellationToken);
        Assert.True(blocks.Count >= 10, $"the guide should show the whole flow, found {blocks.Count} blocks");

        var variables = new Dictionary<string, string>
        {
            ["FINQWARE"] = system.Host.GatewayUrl!,
            ["EMAIL"] = $"guide-{Guid.NewGuid():N}@example.com",
        };
        var outputs = new List<JsonElement>();
        foreach (var block in blocks)
        {
            var output = await GuideBlocks.RunAsync(block, variables);
            if (block.Contains("curl", StringComparison.Ordinal))
            {
                outputs.Add(GuideBlocks.Answer(block, output, variables));
            }
        }

        // The API token is a JWT the gateway's JWKS validates, with the tenant's claims.
        var jwks = new JsonWebKeySet(await system.Gateway.GetStringAsync("/.well-known/jwks.json", TestContext.Current.CancellationToken));
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(variables["API_TOKEN"], new TokenValidationParameters
        {
            ValidIssuer = "finqware",
            ValidAudience = "finqware-api",
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal(variables["CLIENT_ID"], validation.Claims["client_id"]);
        Assert.Equal(variables["SERVICER_ID"], validation.Claims["servicer"]);
        Assert.Equal("sandbox", validation.Claims["environment"]);

        // After the rotation both secrets work (grace period); the new one is different.
        Assert.NotEqual(variables["CLIENT_SECRET"], variables["NEW_CLIENT_SECRET"]);
        foreach (var secret in new[] { variables["CLIENT_SECRET"], variables["NEW_CLIENT_SECRET"] })
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = variables["CLIENT_ID"], ["client_secret"] = secret,
            });
            Assert.Equal(HttpStatusCode.OK, (await system.Gateway.PostAsync("/oauth/token", form, TestContext.Current.CancellationToken)).StatusCode);
        }

        // Nothing secret in anything any service printed.
        var secrets = new[] { "correct horse battery staple", "another long passphrase", "PORTAL_TOKEN", "CLIENT_APP_KEY", "CLIENT_SECRET", "API_TOKEN", "NEW_CLIENT_SECRET", "NEW_CLIENT_APP_KEY" }
            .Select(s => variables.GetValueOrDefault(s, s))
            .Append(outputs.First(o => o.ValueKind == JsonValueKind.Object && o.TryGetProperty("webhook_secret", out _)).GetProperty("webhook_secret").GetString()!)
            .ToList();
        var logs = string.Join('\n', system.Host.Resources.SelectMany(r => r.Logs.After(0, int.MaxValue)).Select(l => l.Text));
        Assert.True(logs.Length > 1000, "the services should have logged something to search");
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_apphost_provisions_a_sandbox_demo_tenant_whose_credentials_work()
    {
        var path = Path.Combine(system.Host.Options.StateDirectory, SandboxDemo.FileName);
        Assert.True(File.Exists(path), "the AppHost should save the demo tenant's credentials");
        var demo = JsonSerializer.Deserialize<JsonElement>(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));

        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = demo.GetProperty("client_id").GetString()!,
            ["client_secret"] = demo.GetProperty("client_secret").GetString()!,
        });
        var response = await system.Gateway.PostAsync("/oauth/token", form, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("Bearer", token.GetProperty("token_type").GetString());
    }
}
