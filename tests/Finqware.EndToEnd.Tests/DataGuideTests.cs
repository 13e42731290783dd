namespace Finqware.EndToEnd.Tests;

/// <summary>
/// docs/data-api.md, run as written through the gateway: every bash block, in order, with the ids of a sandbox bank
/// consent, a sandbox bank payment and a sandbox marketplace application of one tenant made through the gateway; then
/// what the blocks answered is checked against what the guide says.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class DataGuideTests(SystemFixture system)
{
    private const string Deposit = "xyz_sbx_#3.0";

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_data_api_guide_runs_through_the_gateway_against_the_sandbox_connectors()
    {
        var blocks = await GuideBlocks.ReadAsync(system, "data-api.md", Cancel);
        Assert.True(blocks.Count >= 14, $"the guide should show every route, found {blocks.Count} blocks");

        foreach (var skill in new[] { SandboxBankDriver.Aisp, SandboxBankDriver.Pisp, Deposit })
        {
            await WaitAvailableAsync(skill);
        }

        var tenant = await GatewayTenant.CreateAsync(system.Gateway, [SandboxBankDriver.Aisp, SandboxBankDriver.Pisp, Deposit]);
        using var server = ContractChecked.Client(system.Gateway.BaseAddress!);
        server.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiToken);

        var consent = await RunSessionAsync(tenant, SandboxBankDriver.Aisp,
            ("credentials", new { username = "user_good", password = "pass_good" }), ("sca", new { otp = "123456" }));
        var connectionId = consent.GetProperty("connection_id").GetString()!;
        var accountId = consent.GetProperty("accounts")[0].GetProperty("account_id").GetString()!;
        var payment = await RunSessionAsync(tenant, SandboxBankDriver.Pisp,
            ("payment_form", new { creditor_name = "Utility Co", creditor_iban = "DE89370400440532013000", amount = "123.40", currency = "EUR", remittance_information = "Invoice 42" }),
            ("credentials", new { username = "user_good", password = "pass_good" }), ("sca", new { otp = "123456" }));
        var paymentId = payment.GetProperty("payment_id").GetString()!;
        var application = await RunSessionAsync(tenant, Deposit, ("product_form", new { value = "100000", currency = "EUR", period = "12" }));
        var applicationId = application.GetProperty("application_id").GetString()!;
        // The data arrives by events a moment after the steps: wait until each is readable, the payment settled.
        await WaitOkAsync(server, $"/connections/{connectionId}", _ => true);
        await WaitOkAsync(server, $"/payments/{paymentId}", p => p.GetProperty("status").GetString() == "ACSC");
        await WaitOkAsync(server, $"/applications/{applicationId}", _ => true);

        var variables = new Dictionary<string, string>
        {
            ["FINQWARE"] = system.Host.GatewayUrl!,
            ["API_TOKEN"] = tenant.ApiToken,
            ["CONNECTION_ID"] = connectionId,
            ["ACCOUNT_ID"] = accountId,
            ["PAYMENT_ID"] = paymentId,
            ["APPLICATION_ID"] = applicationId,
        };
        var outputs = new List<(string Block, string Output)>();
        foreach (var block in blocks)
        {
            var output = await GuideBlocks.RunAsync(block, variables);
            outputs.Add((block, output));
            if (block.Contains("curl", StringComparison.Ordinal) && !block.Contains("-w '%{http_code}", StringComparison.Ordinal))
            {
                GuideBlocks.Answer(block, output, variables);
            }
        }

        // What each call answered is what the guide says it answers.
        JsonElement Answer(string fragment) => JsonSerializer.Deserialize<JsonElement>(outputs.Single(o => o.Block.Contains(fragment, StringComparison.Ordinal)).Output);
        Assert.Contains(Answer("connections?status=ACTIVE").GetProperty("connections").EnumerateArray(), c => c.GetProperty("connection_id").GetString() == connectionId);
        var connection = Answer("curl -s \"$FINQWARE/connections/$CONNECTION_ID\"");
        Assert.Equal(("ACTIVE", 3), (connection.GetProperty("status").GetString(), connection.GetProperty("accounts").GetArrayLength()));
        Assert.Equal("REFRESH_REQUESTED", Answer("/refresh\"").GetProperty("status").GetString());
        Assert.Equal(3, Answer("accounts?connection_id=").GetProperty("accounts").GetArrayLength());
        Assert.Equal(accountId, Answer("/accounts/$ACCOUNT_ID\" -H").GetProperty("account_id").GetString());
        Assert.Equal(2, Answer("/balances\"").GetProperty("balances").GetArrayLength());
        var page = Answer("transactions?limit=2\"");
        var next = Answer("limit=2&cursor=");
        Assert.True(page.GetProperty("has_more").GetBoolean());
        Assert.Equal(2, page.GetProperty("transactions").GetArrayLength());
        Assert.Empty(Ids(page.GetProperty("transactions")).Intersect(Ids(next.GetProperty("transactions"))));
        Assert.NotEmpty(Answer("from=2026-01-01").GetProperty("transactions").EnumerateArray());
        Assert.NotEmpty(Answer("\\\"count\\\": 100").GetProperty("added").EnumerateArray());
        var paid = Answer("/payments/$PAYMENT_ID");
        Assert.Equal(("ACSC", "123.40", "Utility Co"), (paid.GetProperty("status").GetString(), paid.GetProperty("amount").GetString(), paid.GetProperty("creditor_name").GetString()));
        Assert.Equal(["RCVD", "ACTC", "ACSP", "ACSC"], paid.GetProperty("status_history").EnumerateArray().Select(h => h.GetProperty("status").GetString()));
        var applied = Answer("/applications/$APPLICATION_ID");
        Assert.Equal(("deposit", "OFFERED"), (applied.GetProperty("product").GetString(), applied.GetProperty("status").GetString()));
        Assert.Equal("204", outputs.Single(o => o.Block.Contains("-X DELETE", StringComparison.Ordinal)).Output.Trim());

        // And after the revoke, the balances answer as the guide shows.
        using var balances = await server.GetAsync($"/accounts/{accountId}/balances", Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, balances.StatusCode);
        Assert.Equal("CONNECTION_REVOKED", (await balances.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("code").GetString());
    }

    private static IEnumerable<string?> Ids(JsonElement transactions) => transactions.EnumerateArray().Select(t => t.GetProperty("transaction_id").GetString());

    private async Task WaitAvailableAsync(string skill)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await system.Gateway.GetFromJsonAsync<JsonElement>("/skills/" + Uri.EscapeDataString(skill), Cancel)).GetProperty("status").GetString() != "AVAILABLE")
        {
            Assert.True(DateTime.UtcNow < deadline, $"{skill} did not become AVAILABLE within 60 s");
            await Task.Delay(250, Cancel);
        }
    }

    /// <summary>A session of <paramref name="skill"/> through the given steps, each COMPLETED; the last step's result.</summary>
    private async Task<JsonElement> RunSessionAsync(GatewayTenant tenant, string skill, params (string Step, object Data)[] steps)
    {
        var session = await tenant.Sessions(system.Gateway).OpenAsync(skill, Cancel);
        JsonElement result = default;
        foreach (var (step, data) in steps)
        {
            result = (await session.CompleteAsync(step, data, Cancel)).GetProperty("result");
        }

        return result;
    }

    /// <summary>GETs <paramref name="path"/> until it answers 200 with what <paramref name="done"/> wants (60 s at most).</summary>
    private async Task<JsonElement> WaitOkAsync(HttpClient client, string path, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await client.GetAsync(path, Cancel);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
            if (response.StatusCode == HttpStatusCode.OK && done(body))
            {
                return body;
            }

            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound or HttpStatusCode.Unauthorized, $"GET {path}: {(int)response.StatusCode} {body}");
            Assert.True(DateTime.UtcNow < deadline, $"GET {path} is still {(int)response.StatusCode} {body} after 60 s");
            await Task.Delay(250, Cancel);
        }
    }
}
