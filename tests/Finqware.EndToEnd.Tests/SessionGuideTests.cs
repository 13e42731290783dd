using System.Security.Cryptography;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// docs/sessions.md, run as written through the gateway: every bash block, in order, with the credentials of a tenant
/// made through the gateway and a connector serving the seed's deposit skill; then what the blocks answered is checked
/// against what the guide says they answer, and the webhook recipe against a webhook Finqware really sent.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class SessionGuideTests(SystemFixture system)
{
    private const string GuideSkill = "guide_sbx_#3.0";

    [Fact]
    public async Task The_sessions_guide_runs_through_the_gateway_against_a_connector_of_the_seeds_skill()
    {
        var cancel = TestContext.Current.CancellationToken;
        var blocks = await GuideBlocks.ReadAsync(system, "sessions.md", cancel);
        Assert.True(blocks.Count >= 9, $"the guide should show the whole flow, found {blocks.Count} blocks");

        // The sandbox marketplace serves the real xyz_sbx_#3.0 in this system: the seed's three-step deposit runs under an
        // id of its own, substituted in the guide's blocks, so the sandbox's skill is not replaced for the other tests.
        blocks = blocks.Select(block => block.Replace(TestSkills.Deposit, GuideSkill, StringComparison.Ordinal)).ToList();
        await using var connector = await TestConnector.StartAsync(system, host => host
            .AddSkill(TestSkills.DepositManifest with { SkillId = GuideSkill, Provider = "e2e" })
            .HandleStep<EchoStepHandler>("product_form").HandleStep<EchoStepHandler>("kyc").HandleStep<EchoStepHandler>("confirm"));
        await TestConnector.WaitUntilAvailableAsync(system.Gateway, GuideSkill);
        var received = new ConcurrentQueue<(string Signature, string Body)>();
        await using var receiver = await WebhookReceiver.StartAsync(received);
        var tenant = await GatewayTenant.CreateAsync(system.Gateway, [GuideSkill], receiver.Url);
        // SessionService learns of the tenant from TenantUpserted: wait for it, so the guide's first call is not refused.
        await tenant.Sessions(system.Gateway).OpenAsync(GuideSkill, cancel);

        var directory = Directory.CreateTempSubdirectory("session-guide");
        var pdf = Encoding.ASCII.GetBytes("%PDF-1.7\n% the user's ID, scanned\n").Concat(Enumerable.Range(0, 3000).Select(i => (byte)(i % 251))).ToArray();
        await File.WriteAllBytesAsync(Path.Combine(directory.FullName, "id.pdf"), pdf, cancel);
        var variables = new Dictionary<string, string>
        {
            ["FINQWARE"] = system.Host.GatewayUrl!,
            ["CLIENT_ID"] = tenant.ClientId,
            ["CLIENT_APP_KEY"] = tenant.AppKey,
            ["API_TOKEN"] = tenant.ApiToken,
            ["WEBHOOK_SECRET"] = tenant.WebhookSecret,
        };
        var outputs = new List<(string Block, string Output)>();
        try
        {
            foreach (var block in blocks)
            {
                if (block.Contains("$BODY", StringComparison.Ordinal))
                {
                    // The verification recipe runs on the first webhook Finqware sent this tenant.
                    var (signature, body) = await FirstWebhookAsync(received);
                    variables["T"] = signature.Split(',')[0]["t=".Length..];
                    variables["BODY"] = body;
                }

                var output = await GuideBlocks.RunAsync(block, variables, directory.FullName);
                outputs.Add((block, output));
                if (block.Contains("curl", StringComparison.Ordinal))
                {
                    GuideBlocks.Answer(block, output, variables);
                }
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }

        // What each call answered is what the guide shows.
        JsonElement Answer(string fragment) => JsonSerializer.Deserialize<JsonElement>(outputs.Single(o => o.Block.Contains(fragment, StringComparison.Ordinal)).Output);
        var opened = Answer("\"$FINQWARE/sessions\"");
        Assert.Equal(("SESSION_CREATED", "product_form"), (opened.GetProperty("status").GetString(), opened.GetProperty("next_step").GetString()));
        var submitted = Answer("/steps\"");
        Assert.Equal("AWAITING_UPLOADS", submitted.GetProperty("status").GetString());
        Assert.Equal(["id_document"], submitted.GetProperty("missing_uploads").EnumerateArray().Select(k => k.GetString()));
        var uploaded = Answer("/upload\"");
        Assert.Equal(("application/pdf", "SUBMITTED", (long)pdf.Length), (uploaded.GetProperty("content_type").GetString(), uploaded.GetProperty("step_status").GetString(), uploaded.GetProperty("size").GetInt64()));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(pdf)), uploaded.GetProperty("sha256").GetString());
        var step = Answer("?wait=30");
        Assert.Equal("COMPLETED", step.GetProperty("status").GetString());
        // The connector read the document back from SessionService, byte for byte.
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(pdf)), step.GetProperty("result").GetProperty("attachments").GetProperty("id_document").GetString());
        var session = Answer("/sessions/$SESSION_ID\" -H");
        Assert.Equal(("IN_PROGRESS", "kyc"), (session.GetProperty("status").GetString(), session.GetProperty("next_step").GetString()));
        Assert.Equal("CANCELLED", Answer("/cancel\"").GetProperty("status").GetString());
        Assert.Equal("CANCELLED", Answer("/events\"").GetProperty("status").GetString());
        Assert.Contains(Answer("/webhooks\"").GetProperty("deliveries").EnumerateArray(), d => d.GetProperty("type").GetString() == "STEP_COMPLETED");
        Assert.NotEmpty(Answer("webhook-deliveries?limit=50").GetProperty("deliveries").EnumerateArray());
        // Asked again, the newest delivery is queued; read back, it lists its attempts (the redelivery's may still be on its way).
        var redelivered = Answer("/redeliver\"");
        var read = Answer("/$EVENT_ID\" -H");
        Assert.Equal(("PENDING", redelivered.GetProperty("event_id").GetString()), (redelivered.GetProperty("status").GetString(), read.GetProperty("event_id").GetString()));
        Assert.Equal(JsonValueKind.Array, read.GetProperty("attempt_history").ValueKind);

        // The recipe computes the very v1 Finqware signed the webhook with.
        var (sent, _) = await FirstWebhookAsync(received);
        var recipe = outputs.Single(o => o.Block.Contains("$BODY", StringComparison.Ordinal)).Output;
        Assert.EndsWith(sent.Split(",v1=")[1], recipe.Trim(), StringComparison.Ordinal);
    }

    private static async Task<(string Signature, string Body)> FirstWebhookAsync(ConcurrentQueue<(string Signature, string Body)> received)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!received.TryPeek(out _))
        {
            Assert.True(DateTime.UtcNow < deadline, "No webhook arrived.");
            await Task.Delay(100);
        }

        received.TryPeek(out var first);
        return first;
    }
}
