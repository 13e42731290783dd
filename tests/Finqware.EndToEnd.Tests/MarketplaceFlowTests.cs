using Microsoft.Extensions.Hosting;
using Finqware.AppHost;
using Finqware.Contracts.Sessions;
using MassTransit;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// The sandbox marketplace (docs/sandbox.md, "Sandbox marketplace (xyz)") through the gateway, as a tenant developer
/// drives it with the sandbox demo tenant: every documented test value from <c>POST /sessions</c> to the session's
/// terminal status, the seed's deposit with its three uploads and offline verification, and the data events
/// (ApplicationUpdated, VerificationCompleted) the connector publishes on the system's broker.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class MarketplaceFlowTests(SystemFixture system) : IAsyncLifetime
{
    private const string Deposit = "xyz_sbx_#3.0";
    private const string Card = "xyz_cc_sbx_#1.0";

    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01];
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52];
    private static readonly byte[] Pdf = "%PDF-1.4\n% the back of a sandbox identity card\n"u8.ToArray();

    private MessageRecorder events = null!;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    private HttpClient Gateway => system.Gateway;

    public async ValueTask InitializeAsync()
    {
        var broker = ((AppHost.Hosting.RabbitMqResource)system.Host["messaging"]).ConnectionString!;
        events = await MessageRecorder.StartAsync(broker, record => record.Record<ApplicationUpdated>().Record<VerificationCompleted>().Record<StepProcessed>());
    }

    public async ValueTask DisposeAsync() => await events.DisposeAsync();

    [Fact]
    public async Task Both_skills_are_in_the_catalog_available_and_registered_for_the_sandbox_demo_tenant()
    {
        var skills = await system.Gateway.GetFromJsonAsync<JsonElement>("/skills?type=marketplace&flavor=sandbox&provider=xyz", Cancel);
        var listed = skills.GetProperty("skills").EnumerateArray().ToDictionary(s => s.GetProperty("skill_id").GetString()!);

        Assert.Equal("AVAILABLE", listed[Deposit].GetProperty("status").GetString());
        Assert.Equal("AVAILABLE", listed[Card].GetProperty("status").GetString());
        var deposit = await CatalogAsync(Deposit);
        Assert.Equal(["product_form", "personal_data", "kyc_documents", "sign_contract"], deposit.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(["id_front", "id_back", "selfie"], deposit.GetProperty("steps")[2].GetProperty("uploads").EnumerateArray().Select(u => u.GetProperty("kind").GetString()));
        Assert.True(deposit.GetProperty("steps")[2].GetProperty("async").GetBoolean());
        var card = await CatalogAsync(Card);
        Assert.Equal(["card_form", "personal_data", "kyc_documents", "sign_agreement"], card.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        var demo = await DemoAsync();
        Assert.Contains(Deposit, demo.Skills);
        Assert.Contains(Card, demo.Skills);
    }

    [Fact]
    public async Task The_seeds_deposit_gets_an_offer_three_uploads_offline_approval_and_a_signed_contract()
    {
        var demo = await DemoAsync();
        var catalog = await CatalogAsync(Deposit);
        var session = await OpenAsync(demo, Deposit);
        Assert.Equal("SESSION_CREATED", session.Opened.GetProperty("status").GetString());
        Assert.Equal("product_form", session.Opened.GetProperty("next_step").GetString());

        // The seed's step body, verbatim but for the ids.
        var product = await session.AcceptedAsync(await session.PostStepJsonAsync($$"""
            {
              "client_id": "{{demo.ClientId}}",
              "nonce": "{{session.Nonce}}",
              "skill": "xyz_sbx_#3.0",
              "step": "product_form",
              "data": {
                "value": "100000",
                "currency": "EUR",
                "period": "12"
              }
            }
            """));
        Assert.Equal("SUBMITTED", product.Status);
        var offered = await FinishedAsync(session, product.StepId);
        Assert.Equal("COMPLETED", offered.GetProperty("status").GetString());
        var applicationId = offered.GetProperty("result").GetProperty("application_id").GetString()!;
        var offer = offered.GetProperty("result").GetProperty("offer");
        Assert.Equal(("OFFERED", "3.25", "3250.00", "103250.00", "100000.00", "EUR", 12),
            (offered.GetProperty("result").GetProperty("status").GetString(), offer.GetProperty("rate").GetString(), offer.GetProperty("interest").GetString(),
             offer.GetProperty("maturity_amount").GetString(), offer.GetProperty("amount").GetString(), offer.GetProperty("currency").GetString(), offer.GetProperty("period_months").GetInt32()));
        Assert.Equal(DateOnly.Parse(offer.GetProperty("start_date").GetString()!, System.Globalization.CultureInfo.InvariantCulture).AddMonths(12),
            DateOnly.Parse(offer.GetProperty("maturity_date").GetString()!, System.Globalization.CultureInfo.InvariantCulture));

        var personal = await session.SubmitAsync("personal_data", Example(catalog, "personal_data"));
        Assert.Equal("COMPLETED", (await FinishedAsync(session, personal.StepId)).GetProperty("status").GetString());

        var kyc = await session.SubmitAsync("kyc_documents", Example(catalog, "kyc_documents"));
        Assert.Equal("AWAITING_UPLOADS", kyc.Status);
        Assert.Equal(["id_front", "id_back", "selfie"], kyc.MissingUploads);
        // The manifest's limits, enforced by SessionService: a selfie is an image, a document at most 5 MB.
        await AssertProblemAsync(await session.UploadAsync(kyc.StepId, "selfie", Pdf, "selfie.pdf"), HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_UPLOAD_TYPE");
        await AssertProblemAsync(await session.UploadAsync(kyc.StepId, "id_front", [.. Jpeg, .. new byte[5 * 1024 * 1024]], "huge.jpg"), HttpStatusCode.RequestEntityTooLarge, "UPLOAD_TOO_LARGE");
        Assert.Equal("AWAITING_UPLOADS", await UploadedAsync(session, kyc.StepId, "id_front", Jpeg, "id-front.jpg"));
        Assert.Equal("AWAITING_UPLOADS", await UploadedAsync(session, kyc.StepId, "id_back", Pdf, "id-back.pdf"));
        Assert.Equal("SUBMITTED", await UploadedAsync(session, kyc.StepId, "selfie", Png, "selfie.png"));

        var verified = await FinishedAsync(session, kyc.StepId);
        Assert.Equal("COMPLETED", verified.GetProperty("status").GetString());
        Assert.Equal(("APPROVED", "APPROVED", applicationId),
            (verified.GetProperty("result").GetProperty("status").GetString(), verified.GetProperty("result").GetProperty("verification").GetProperty("status").GetString(),
             verified.GetProperty("result").GetProperty("application_id").GetString()));
        Assert.Equal([StepOutcomes.PendingVerification, StepOutcomes.Completed], await OutcomesAsync(kyc.StepId, 2));

        // Terms not accepted are refused before the step is recorded: the nonce still opens the real signature.
        await AssertProblemAsync(await session.PostStepAsync("sign_contract", new { accept_terms = false, payout_iban = "RO49AAAA1B31007593840000" }), (HttpStatusCode)422, "VALIDATION_FAILED");
        var sign = await session.SubmitAsync("sign_contract", Example(catalog, "sign_contract"));
        var signed = await FinishedAsync(session, sign.StepId);
        Assert.Equal("COMPLETED", signed.GetProperty("status").GetString());
        var contract = signed.GetProperty("result").GetProperty("contract");
        Assert.Equal(("CONTRACT_SIGNED", applicationId), (signed.GetProperty("result").GetProperty("status").GetString(), signed.GetProperty("result").GetProperty("application_id").GetString()));
        Assert.StartsWith("dep_ctr_", contract.GetProperty("contract_id").GetString(), StringComparison.Ordinal);
        Assert.Equal("103250.00", contract.GetProperty("terms").GetProperty("maturity_amount").GetString());
        Assert.Equal("COMPLETED", (await session.ReadAsync()).GetProperty("status").GetString());

        var updates = await UpdatesAsync(session.Id, 4);
        Assert.Equal(["OFFERED", "VERIFICATION_PENDING", "APPROVED", "CONTRACT_SIGNED"], updates.Select(u => u.Status));
        Assert.All(updates, u => Assert.Equal((applicationId, "deposit", Deposit, demo.ClientId), (u.ApplicationId, u.Product, u.Skill, u.ClientId)));
        Assert.All(updates, u => Assert.Equal("3.25", u.Offer!.Value.GetProperty("rate").GetString()));
        Assert.Equal(contract.GetProperty("contract_id").GetString(), updates[^1].Contract!.Value.GetProperty("contract_id").GetString());
        var verification = await VerificationAsync(kyc.StepId);
        Assert.True(verification.Approved);
        Assert.Equal(session.Id, verification.SessionId);
    }

    [Fact]
    public async Task A_deposit_applicant_named_Rejected_fails_offline_verification_and_the_session_fails()
    {
        var demo = await DemoAsync();
        var catalog = await CatalogAsync(Deposit);
        var session = await OpenAsync(demo, Deposit);
        await session.CompleteAsync("product_form", Example(catalog, "product_form"));
        var person = Example(catalog, "personal_data", 1);
        Assert.Equal("Rejected", person.GetProperty("last_name").GetString());
        await session.CompleteAsync("personal_data", person);

        var kyc = await SubmitDocumentsAsync(session, catalog, Jpeg, Pdf, Png);

        var decided = await FinishedAsync(session, kyc);
        Assert.Equal(("FAILED", "VERIFICATION_REJECTED"), (decided.GetProperty("status").GetString(), decided.GetProperty("error").GetProperty("code").GetString()));
        Assert.Equal(("REJECTED", "IDENTITY_NOT_VERIFIED"),
            (decided.GetProperty("result").GetProperty("status").GetString(), decided.GetProperty("result").GetProperty("verification").GetProperty("reason").GetString()));
        Assert.Equal([StepOutcomes.PendingVerification, StepOutcomes.Failed], await OutcomesAsync(kyc, 2));
        Assert.Equal("FAILED", (await session.ReadAsync()).GetProperty("status").GetString());
        await AssertProblemAsync(await session.PostStepAsync("sign_contract", Example(catalog, "sign_contract")), HttpStatusCode.Conflict, "SESSION_CLOSED");

        var updates = await UpdatesAsync(session.Id, 3);
        Assert.Equal(["OFFERED", "VERIFICATION_PENDING", "REJECTED"], updates.Select(u => u.Status));
        Assert.Equal("IDENTITY_NOT_VERIFIED", updates[^1].Reason);
        var verification = await VerificationAsync(kyc);
        Assert.Equal((false, "IDENTITY_NOT_VERIFIED"), (verification.Approved, verification.Reason));
    }

    [Theory]
    [InlineData(Deposit)]
    [InlineData(Card)]
    public async Task An_applicant_under_18_is_refused_at_personal_data(string skill)
    {
        var demo = await DemoAsync();
        var catalog = await CatalogAsync(skill);
        var session = await OpenAsync(demo, skill);
        var offerStep = catalog.GetProperty("steps")[0].GetProperty("name").GetString()!;
        await session.CompleteAsync(offerStep, Example(catalog, offerStep));
        var minor = Merge(Example(catalog, "personal_data"), new { date_of_birth = Iso(DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-17)) });

        var refused = await FinishedAsync(session, (await session.SubmitAsync("personal_data", minor)).StepId);

        Assert.Equal(("FAILED", "APPLICANT_UNDERAGE"), (refused.GetProperty("status").GetString(), refused.GetProperty("error").GetProperty("code").GetString()));
        Assert.Equal("REJECTED", refused.GetProperty("result").GetProperty("status").GetString());
        Assert.Equal("FAILED", (await session.ReadAsync()).GetProperty("status").GetString());
        var updates = await UpdatesAsync(session.Id, 2);
        Assert.Equal(("REJECTED", "APPLICANT_UNDERAGE"), (updates[^1].Status, updates[^1].Reason));
    }

    [Fact]
    public async Task The_credit_card_runs_from_the_catalogs_examples_alone_to_a_signed_agreement()
    {
        var demo = await DemoAsync();
        var catalog = await CatalogAsync(Card);
        var session = await OpenAsync(demo, Card);

        var offered = await session.CompleteAsync("card_form", Example(catalog, "card_form"));
        var offer = offered.GetProperty("result").GetProperty("offer");
        Assert.Equal(("5000.00", "18.90", "EUR"), (offer.GetProperty("credit_limit").GetString(), offer.GetProperty("apr").GetString(), offer.GetProperty("currency").GetString()));
        var applicationId = offered.GetProperty("result").GetProperty("application_id").GetString();
        await session.CompleteAsync("personal_data", Example(catalog, "personal_data"));
        var kyc = await SubmitDocumentsAsync(session, catalog, Png, Jpeg, [.. Jpeg, 0x42]);
        var verified = await FinishedAsync(session, kyc);
        Assert.Equal(("COMPLETED", "APPROVED"), (verified.GetProperty("status").GetString(), verified.GetProperty("result").GetProperty("status").GetString()));
        var signed = await session.CompleteAsync("sign_agreement", Example(catalog, "sign_agreement"));

        var contract = signed.GetProperty("result").GetProperty("contract");
        Assert.Equal(("CONTRACT_SIGNED", applicationId), (signed.GetProperty("result").GetProperty("status").GetString(), signed.GetProperty("result").GetProperty("application_id").GetString()));
        Assert.Equal("ANA POPESCU", contract.GetProperty("card").GetProperty("name_on_card").GetString());
        Assert.Equal("5000.00", contract.GetProperty("terms").GetProperty("credit_limit").GetString());
        Assert.Equal("COMPLETED", (await session.ReadAsync()).GetProperty("status").GetString());
        var updates = await UpdatesAsync(session.Id, 4);
        Assert.Equal(["OFFERED", "VERIFICATION_PENDING", "APPROVED", "CONTRACT_SIGNED"], updates.Select(u => u.Status));
        Assert.All(updates, u => Assert.Equal((applicationId, "credit_card"), (u.ApplicationId, u.Product)));
        Assert.True((await VerificationAsync(kyc)).Approved);
    }

    [Fact]
    public async Task A_selfie_that_is_the_id_documents_own_file_is_rejected_at_verification()
    {
        var demo = await DemoAsync();
        var catalog = await CatalogAsync(Card);
        var session = await OpenAsync(demo, Card);
        await session.CompleteAsync("card_form", Example(catalog, "card_form"));
        await session.CompleteAsync("personal_data", Example(catalog, "personal_data"));

        var kyc = await SubmitDocumentsAsync(session, catalog, Jpeg, Pdf, Jpeg);

        var decided = await FinishedAsync(session, kyc);
        Assert.Equal(("FAILED", "VERIFICATION_REJECTED", "SELFIE_MATCHES_DOCUMENT"),
            (decided.GetProperty("status").GetString(), decided.GetProperty("error").GetProperty("code").GetString(),
             decided.GetProperty("result").GetProperty("verification").GetProperty("reason").GetString()));
        Assert.Equal("FAILED", (await session.ReadAsync()).GetProperty("status").GetString());
        var verification = await VerificationAsync(kyc);
        Assert.Equal((false, "SELFIE_MATCHES_DOCUMENT"), (verification.Approved, verification.Reason));
        Assert.Equal("REJECTED", (await UpdatesAsync(session.Id, 3))[^1].Status);
    }

    [Theory]
    [InlineData(20000, 3000, "employed", "9000.00", "18.90")]
    [InlineData(50000, 5000, "self_employed", "15000.00", "14.90")]
    [InlineData(20000, 1234, "retired", "3700.00", "22.90")]
    [InlineData(5000, 2500, "student", "5000.00", "18.90")]
    public async Task Card_form_offers_the_documented_limit_and_apr(int requested, int income, string employment, string limit, string apr)
    {
        var demo = await DemoAsync();
        var session = await OpenAsync(demo, Card);

        var offered = await session.CompleteAsync("card_form", Json(new { requested_limit = requested, monthly_income = income, currency = "RON", employment_status = employment }));

        var offer = offered.GetProperty("result").GetProperty("offer");
        Assert.Equal((limit, apr, "RON"), (offer.GetProperty("credit_limit").GetString(), offer.GetProperty("apr").GetString(), offer.GetProperty("currency").GetString()));
        Assert.Equal("IN_PROGRESS", (await session.ReadAsync()).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(900, "employed", "INCOME_TOO_LOW")]
    [InlineData(999, "retired", "INCOME_TOO_LOW")]
    [InlineData(8000, "unemployed", "EMPLOYMENT_NOT_ELIGIBLE")]
    public async Task Card_form_refuses_the_documented_applicants_and_the_session_fails(int income, string employment, string code)
    {
        var demo = await DemoAsync();
        var session = await OpenAsync(demo, Card);

        var step = await session.SubmitAsync("card_form", Json(new { requested_limit = 2000, monthly_income = income, currency = "EUR", employment_status = employment }));
        var refused = await FinishedAsync(session, step.StepId);

        Assert.Equal(("FAILED", code), (refused.GetProperty("status").GetString(), refused.GetProperty("error").GetProperty("code").GetString()));
        Assert.StartsWith("cc_app_", refused.GetProperty("result").GetProperty("application_id").GetString(), StringComparison.Ordinal);
        Assert.Equal("FAILED", (await session.ReadAsync()).GetProperty("status").GetString());
        var update = Assert.Single(await UpdatesAsync(session.Id, 1));
        Assert.Equal(("REJECTED", code, (JsonElement?)null), (update.Status, update.Reason, update.Offer));
    }

    [Fact]
    public async Task Deposit_forms_out_of_range_are_refused_field_by_field_and_other_currencies_get_their_rate()
    {
        var demo = await DemoAsync();
        var catalog = await CatalogAsync(Deposit);
        var session = await OpenAsync(demo, Deposit);

        var tooSmall = await session.PostStepAsync("product_form", new { value = "999", currency = "GBP", period = "7" });
        var problem = await AssertProblemAsync(tooSmall, (HttpStatusCode)422, "VALIDATION_FAILED");
        Assert.Equal(["data.currency", "data.period", "data.value"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
        await AssertProblemAsync(await session.PostStepAsync("product_form", new { value = "100000", currency = "EUR", period = "12", rate = "9.00" }), (HttpStatusCode)422, "VALIDATION_FAILED");

        var offered = await session.CompleteAsync("product_form", Example(catalog, "product_form", 1));
        var offer = offered.GetProperty("result").GetProperty("offer");
        Assert.Equal(("5000.00", "RON", "5.00", "125.00", "5125.00"),
            (offer.GetProperty("amount").GetString(), offer.GetProperty("currency").GetString(), offer.GetProperty("rate").GetString(),
             offer.GetProperty("interest").GetString(), offer.GetProperty("maturity_amount").GetString()));
    }

    private static async Task<string> UploadedAsync(DrivenSession session, Guid stepId, string kind, byte[] content, string fileName)
    {
        var response = await session.UploadAsync(stepId, kind, content, fileName);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(kind, body.GetProperty("kind").GetString());
        Assert.Equal(content.Length, body.GetProperty("size").GetInt64());
        return body.GetProperty("step_status").GetString()!;
    }

    private static async Task<Guid> SubmitDocumentsAsync(DrivenSession session, JsonElement catalog, byte[] front, byte[] back, byte[] selfie)
    {
        var kyc = await session.SubmitAsync("kyc_documents", Example(catalog, "kyc_documents"));
        Assert.Equal("AWAITING_UPLOADS", kyc.Status);
        await UploadedAsync(session, kyc.StepId, "id_front", front, "front");
        await UploadedAsync(session, kyc.StepId, "id_back", back, "back");
        Assert.Equal("SUBMITTED", await UploadedAsync(session, kyc.StepId, "selfie", selfie, "selfie"));
        return kyc.StepId;
    }

    /// <summary>The ApplicationUpdated events of a session, oldest first, once at least <paramref name="count"/> arrived.</summary>
    private async Task<List<ApplicationUpdated>> UpdatesAsync(Guid sessionId, int count) =>
        (await EventuallyAsync(() => events.Of<ApplicationUpdated>().Where(u => u.SessionId == sessionId).ToList(), l => l.Count >= count))
        .OrderBy(u => u.At).ToList();

    private async Task<VerificationCompleted> VerificationAsync(Guid stepId) =>
        (await EventuallyAsync(() => events.Of<VerificationCompleted>().Where(v => v.StepId == stepId).ToList(), l => l.Count > 0))[0];

    /// <summary>The distinct outcomes a connector published for a step, in order.</summary>
    private async Task<List<string>> OutcomesAsync(Guid stepId, int count) =>
        (await EventuallyAsync(() => events.Of<StepProcessed>().Where(p => p.StepId == stepId).OrderBy(p => p.ProcessedAt).Select(p => p.Outcome).Distinct().ToList(), l => l.Count >= count));

    private async Task<T> EventuallyAsync<T>(Func<T> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var value = read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Cancel);
            value = read();
        }

        return value;
    }

    private async Task<JsonElement> CatalogAsync(string skill) =>
        await system.Gateway.GetFromJsonAsync<JsonElement>($"/skills/{Uri.EscapeDataString(skill)}", Cancel);

    /// <summary>A step's example from the catalog (<c>data_schema.examples[index]</c>): the first one drives a successful sandbox session.</summary>
    private static JsonElement Example(JsonElement catalog, string step, int index = 0) =>
        catalog.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == step).GetProperty("data_schema").GetProperty("examples")[index];

    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    private static JsonElement Merge(JsonElement example, object changes)
    {
        var merged = example.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        foreach (var change in Json(changes).EnumerateObject())
        {
            merged[change.Name] = change.Value;
        }

        return Json(merged);
    }

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<Demo> DemoAsync()
    {
        var demo = JsonSerializer.Deserialize<JsonElement>(await File.ReadAllTextAsync(Path.Combine(system.Host.Options.StateDirectory, SandboxDemo.FileName), Cancel));
        return new Demo(
            demo.GetProperty("client_id").GetString()!,
            demo.GetProperty("client_app_key").GetString()!,
            demo.GetProperty("client_secret").GetString()!,
            [.. demo.GetProperty("skills").EnumerateArray().Select(s => s.GetString()!)]);
    }

    private async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<JsonElement>(body);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }

    private sealed record Demo(string ClientId, string AppKey, string Secret, IReadOnlyList<string> Skills);

    /// <summary>
    /// One onboarding session of the demo tenant, as it drives it: the client app submits and uploads, the server (a
    /// token of the demo's client credentials) reads.
    /// </summary>
    private async Task<DrivenSession> OpenAsync(Demo demo, string skill)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = demo.ClientId, ["client_secret"] = demo.Secret });
        var token = await (await Gateway.PostAsync("/oauth/token", form, Cancel)).Content.ReadFromJsonAsync<JsonElement>(Cancel);
        return await new SessionClient(Gateway, demo.ClientId, demo.AppKey, token.GetProperty("access_token").GetString()).OpenAsync(skill, Cancel);
    }

    /// <summary>The step once it is COMPLETED or FAILED (long-polls while the connector works, then while verification is pending).</summary>
    private Task<JsonElement> FinishedAsync(DrivenSession session, Guid stepId) => session.WaitStepAsync(stepId, TimeSpan.FromSeconds(60), Cancel, "COMPLETED", "FAILED");
}
