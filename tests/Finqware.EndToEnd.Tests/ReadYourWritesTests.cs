using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Finqware.Testing;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// What the registry has just answered works at once on SessionService's routes (docs/api-conventions.md, consistency):
/// a new tenant's keys, a rotated app key, a changed skill list, each used in the very next request; the connection and
/// accounts a completed consent step names, read the moment the step reads COMPLETED.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class ReadYourWritesTests(SystemFixture system)
{
    private const string Echo = "example_echo_sbx_#1.0";
    private const string Deposit = "xyz_sbx_#3.0";

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_new_tenant_a_rotated_key_and_a_new_skill_work_in_the_next_request()
    {
        var tenant = await ApiTenants.CreateAsync(system, Cancel, Echo);
        Assert.Equal(HttpStatusCode.Created, (await OpenAsync(tenant.ClientId, tenant.AppKey, Echo)).StatusCode);

        using var rotate = new HttpRequestMessage(HttpMethod.Post, $"/tenants/{tenant.ClientId}/keys/rotate") { Content = JsonContent.Create(new { key = "app_key" }) };
        rotate.Headers.Authorization = tenant.Portal;
        var rotated = await (await system.Gateway.SendAsync(rotate, Cancel)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var newKey = rotated.GetProperty("value").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await OpenAsync(tenant.ClientId, newKey, Echo)).StatusCode);
        using var read = new HttpRequestMessage(HttpMethod.Get, $"/sessions/{Guid.NewGuid()}");
        read.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{tenant.ClientId}:{newKey}")));
        await Problems.AssertAsync(await system.Gateway.SendAsync(read, Cancel), HttpStatusCode.NotFound, "SESSION_NOT_FOUND", Cancel);

        await Problems.AssertAsync(await OpenAsync(tenant.ClientId, newKey, Deposit), HttpStatusCode.Forbidden, "SKILL_NOT_REGISTERED", Cancel);
        using var skills = new HttpRequestMessage(HttpMethod.Put, $"/tenants/{tenant.ClientId}/skills") { Content = JsonContent.Create(new { skills = new[] { Echo, Deposit } }) };
        skills.Headers.Authorization = tenant.Portal;
        (await system.Gateway.SendAsync(skills, Cancel)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Created, (await OpenAsync(tenant.ClientId, newKey, Deposit)).StatusCode);

        // A client_id nobody registered stays a 401, however often it is tried (the read-through remembers the miss).
        for (var i = 0; i < 3; i++)
        {
            await Problems.AssertAsync(await OpenAsync("fqc_nobody_" + Guid.NewGuid().ToString("N")[..8], "fqak_x", Echo), HttpStatusCode.Unauthorized, "INVALID_CLIENT_CREDENTIALS", Cancel);
        }
    }

    [Fact]
    public async Task What_a_completed_consent_step_names_is_readable_when_the_step_reads_completed()
    {
        await using var bank = await SandboxBankDriver.StartAsync(system, Cancel);
        for (var i = 0; i < 3; i++)
        {
            var (_, sca) = await bank.ConsentAsync("user_good");
            Assert.Equal("COMPLETED", sca.GetProperty("status").GetString());
            var result = sca.GetProperty("result");
            var connectionId = result.GetProperty("connection_id").GetString()!;

            // No retry: the very first read after the step read COMPLETED.
            var connection = await bank.Server.GetAsync($"/connections/{connectionId}", Cancel);
            Assert.Equal(HttpStatusCode.OK, connection.StatusCode);
            foreach (var account in result.GetProperty("accounts").EnumerateArray())
            {
                var read = await bank.Server.GetAsync($"/accounts/{account.GetProperty("account_id").GetString()}", Cancel);
                Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            }
        }
    }

    private async Task<HttpResponseMessage> OpenAsync(string clientId, string appKey, string skill) =>
        await system.Gateway.PostAsJsonAsync("/sessions", new { client_id = clientId, client_app_key = appKey, skill }, Cancel);
}
