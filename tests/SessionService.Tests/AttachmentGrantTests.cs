using System.Security.Cryptography;
using Finqware.SessionService.Internal;
using Finqware.SessionService.Nonces;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Finqware.SessionService.Tests;

/// <summary>
/// A connector reads a document only with the grant of the step it was sent (docs/security.md, "Attachments"): the
/// connector of this host reads its steps' documents with the grants their ProcessStep carried (no key is configured),
/// and what a grant does not cover is refused.
/// </summary>
public sealed class AttachmentGrantTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private SessionHost host = null!;

    public async ValueTask InitializeAsync() => host = await SessionHost.StartAsync(postgres, rabbit);

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_connector_reads_its_steps_documents_with_their_grant_and_another_steps_document_is_refused()
    {
        var tenant = await host.NewTenantAsync();
        var session = await host.Sessions(tenant).OpenAsync(TestSkills.Deposit);
        var step1 = await session.SubmitAsync("product_form", new { value = "100000", currency = "EUR", period = "12" });
        var id = SessionHost.Pdf(3000);
        Assert.Equal(HttpStatusCode.Created, (await session.UploadAsync(step1.StepId, "id_document", id, "id.pdf")).StatusCode);
        // The connector read the document with the grant its ProcessStep carried: its result has the document's hash.
        var done1 = await session.WaitStepAsync(step1.StepId, "COMPLETED");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(id)), done1.GetProperty("result").GetProperty("attachments").GetProperty("id_document").GetString());

        var step2 = await session.SubmitAsync("kyc", new { name = "Ana Pop" });
        Assert.Equal(HttpStatusCode.Created, (await session.UploadAsync(step2.StepId, "selfie", SessionHost.Png(), "me.png")).StatusCode);
        await session.WaitStepAsync(step2.StepId, "COMPLETED");
        var document1 = await host.QueryAsync(db => db.Attachments.Where(a => a.StepId == step1.StepId).Select(a => a.Id).SingleAsync());
        var document2 = await host.QueryAsync(db => db.Attachments.Where(a => a.StepId == step2.StepId).Select(a => a.Id).SingleAsync());

        var grants = host.Services.GetRequiredService<AttachmentGrants>();
        var grant1 = grants.Issue(step1.StepId);
        var (ok, bytes) = await ReadAsync(document1, grant1);
        Assert.Equal(200, ok);
        Assert.Equal(id, bytes);

        // Step 1's grant does not read step 2's document: as unknown as one that does not exist.
        Assert.Equal((404, "ATTACHMENT_NOT_FOUND"), await RefusalAsync(document2, grant1));
        // No grant (the shared key of old is not configured, and loopback alone is no credential).
        Assert.Equal((403, "ATTACHMENT_GRANT_REQUIRED"), await RefusalAsync(document1, null));
        // A grant whose step was changed, or one signed by anyone but this service, or the session's nonce.
        var forged = Macaroon.TryParse(grant1)! with { Caveats = [$"step_id = {step2.StepId}", Macaroon.TryParse(grant1)!.Caveats[1]] };
        Assert.Equal((403, "ATTACHMENT_GRANT_INVALID"), await RefusalAsync(document2, forged.Serialize()));
        var foreign = Macaroon.Mint(RandomNumberGenerator.GetBytes(32), AttachmentGrants.Location, "x", [$"step_id = {step2.StepId}", "time < 2999-01-01T00:00:00Z"]);
        Assert.Equal((403, "ATTACHMENT_GRANT_INVALID"), await RefusalAsync(document2, foreign.Serialize()));
        Assert.Equal((403, "ATTACHMENT_GRANT_INVALID"), await RefusalAsync(document1, session.Nonce));
        // A grant past its lifetime (issued on a clock an hour behind).
        var earlier = new AttachmentGrants(
            host.Services.GetRequiredService<IOptions<NonceOptions>>(), host.Services.GetRequiredService<IOptions<InternalApiOptions>>(),
            new FakeTimeProvider(host.Clock.GetUtcNow().AddHours(-1)));
        Assert.Equal((403, "ATTACHMENT_GRANT_INVALID"), await RefusalAsync(document1, earlier.Issue(step1.StepId)));
    }

    private async Task<(int Status, byte[] Body)> ReadAsync(Guid attachmentId, string? grant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/internal/attachments/{attachmentId}");
        if (grant is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", grant);
        }

        using var response = await host.Client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }

    private async Task<(int Status, string? Code)> RefusalAsync(Guid attachmentId, string? grant)
    {
        var (status, body) = await ReadAsync(attachmentId, grant);
        return (status, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }
}
