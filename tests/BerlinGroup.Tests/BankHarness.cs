using Finqware.Contracts.Sessions;
using Finqware.SkillConnectors.Sdk;
using Finqware.SkillConnectors.Sdk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Finqware.SkillConnectors.BerlinGroup.Tests;

/// <summary>
/// The connector's handlers wired as the connector wires them, against a bank at <c>baseUrl</c> (Prism, or a fake handler), with
/// its consent store in a database of its own; runs whole flows with the SDK's test kit, playing the user and the bank.
/// Every request the bank answered is recorded with the violations Prism reported about it (<c>sl-violations</c>).
/// </summary>
public sealed class BankHarness : IAsyncDisposable
{
    public const string Key = "mockbank";

    private readonly NpgsqlDataSource dataSource;

    private BankHarness(BerlinGroupOptions options, HttpClient http, NpgsqlDataSource dataSource, RecordingHandler recorder, TimeProvider clock)
    {
        this.dataSource = dataSource;
        Options = options;
        Recorder = recorder;
        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        Banks = new Banks(wrapped, _ => http, clock);
        Callbacks = new CallbackUrls(wrapped);
        Store = new ConsentStore(dataSource);
        Accounts = new AccountInformation(Banks, Store);
        Consent = new ConsentHandler(Banks, Callbacks, NullLogger<ConsentHandler>.Instance);
        ConfirmConsent = new ConfirmConsentHandler(Banks, Accounts);
        Payment = new PaymentHandler(Banks, Callbacks, NullLogger<PaymentHandler>.Instance);
        ConfirmPayment = new ConfirmPaymentHandler(Banks, NullLogger<ConfirmPaymentHandler>.Instance);
        Connections = new ConsentConnectionHandler(Accounts);
    }

    public static string Aisp => Banks.AispSkill(Key);

    public static string Pisp => Banks.PispSkill(Key);

    public BerlinGroupOptions Options { get; }

    public RecordingHandler Recorder { get; }

    public Banks Banks { get; }

    public CallbackUrls Callbacks { get; }

    public ConsentStore Store { get; }

    public AccountInformation Accounts { get; }

    public ConsentHandler Consent { get; }

    public ConfirmConsentHandler ConfirmConsent { get; }

    public PaymentHandler Payment { get; }

    public ConfirmPaymentHandler ConfirmPayment { get; }

    public ConsentConnectionHandler Connections { get; }

    public ConnectorTestKit Kit { get; } = new();

    public static readonly object ConsentData = new { psu_id = "PSU-1234", psu_ip_address = "192.0.2.10", redirect_uri = "https://app.example.com/bank-return" };

    public static readonly object PaymentData = new
    {
        creditor_name = "Merchant123", creditor_iban = "DE02100100109307118603", debtor_iban = "DE40100100103307118608", amount = "123.50",
        currency = "EUR", remittance_information = "Ref Number Merchant", psu_id = "PSU-1234", psu_ip_address = "192.0.2.10",
    };

    /// <summary>A harness against <paramref name="baseUrl"/>; <paramref name="bank"/> answers instead of the network when given.</summary>
    public static async Task<BankHarness> CreateAsync(
        PostgresServerFixture postgres, Uri baseUrl, HttpMessageHandler? bank = null, Func<HttpRequestMessage, string?>? prefer = null,
        Action<BerlinGroupOptions>? configure = null, TimeProvider? clock = null)
    {
        var options = new BerlinGroupOptions
        {
            PublicBaseUrl = "http://gateway.test",
            CallbackKey = "a-test-key-of-enough-length",
            MaxPolls = 3,
            Banks = { [Key] = new BankOptions { BaseUrl = baseUrl, DisplayName = "Mock Bank" } },
        };
        configure?.Invoke(options);
        var recorder = new RecordingHandler(prefer) { InnerHandler = bank ?? new SocketsHttpHandler() };
        var http = new HttpClient(recorder) { Timeout = TimeSpan.FromSeconds(20) };
        var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("berlingroup"));
        return new BankHarness(options, http, dataSource, recorder, clock ?? TimeProvider.System);
    }

    /// <summary>The outcome of a step as the callback would decide it, the user having come back through <paramref name="ok"/>.</summary>
    public async Task<StepProcessed?> ReturnAsync(StepRun run, bool ok = true)
    {
        var step = new StepContext(run.Command, NoAttachments.Instance) { CurrentOutcome = run.Message };
        var outcome = await (run.Command.Step == Skills.Payment ? (ScaStepHandler)Payment : Consent).ReturnedAsync(step, ok, CancellationToken.None);
        Published.AddRange(step.PublishedEvents);
        return outcome?.ToMessage(run.Command, DateTimeOffset.UtcNow);
    }

    /// <summary>Every data event the flows of this harness published, in order.</summary>
    public List<object> Published { get; } = [];

    /// <summary>
    /// One session of <paramref name="skill"/> to its end, as a user who approves everything would drive it: the first step, the
    /// bank's return (redirect) or the status polls (decoupled), the confirm step (the OTP for embedded), then the payment's
    /// status polls. Bounded: every loop ends after the connector's own limits (a few polls), so a flow never hangs.
    /// </summary>
    public async Task<Flow> RunAsync(string skill, object data, CancellationToken cancellationToken)
    {
        var first = skill == Aisp ? (ScaStepHandler)Consent : Payment;
        var steps = new List<StepProcessed>();
        var run = await Kit.RunAsync(first, skill, skill == Aisp ? Skills.Consent : Skills.Payment, data, cancellationToken: cancellationToken);
        Published.AddRange(run.PublishedEvents);
        steps.Add(run.Message);
        for (var rounds = 0; run.Message.Outcome == StepOutcomes.ActionRequired && rounds <= Options.MaxPolls + 1; rounds++)
        {
            if (run.Message.Action?.Type == "redirect")
            {
                var returned = await ReturnAsync(run);
                steps.Add(returned!);
                break;
            }

            run = await Kit.FollowUpAsync(first, run, cancellationToken);
            Published.AddRange(run.PublishedEvents);
            steps.Add(run.Message);
        }

        var firstOutcome = steps[^1];
        if (firstOutcome.Outcome != StepOutcomes.Completed)
        {
            return new Flow(steps);
        }

        var confirmHandler = skill == Aisp ? (IStepHandler)ConfirmConsent : ConfirmPayment;
        var embedded = ResultFields.Read(firstOutcome.Result, ResultFields.ScaApproach) == "EMBEDDED";
        var confirm = await Kit.RunAsync(
            confirmHandler, skill, Skills.Confirm, embedded ? new { otp = "123456" } : new { }, stepNumber: 2,
            previousResults: new Dictionary<string, object> { [firstOutcome.Step] = firstOutcome.Result!.Value }, cancellationToken: cancellationToken);
        Published.AddRange(confirm.PublishedEvents);
        steps.Add(confirm.Message);
        for (var polls = 0; confirm.Outcome.FollowUpAfter is not null && polls <= Options.MaxPolls + 1; polls++)
        {
            confirm = await Kit.FollowUpAsync((IStepFollowUp)confirmHandler, confirm, cancellationToken);
            Published.AddRange(confirm.PublishedEvents);
        }

        return new Flow(steps) { FollowUpsLeft = confirm.Outcome.FollowUpAfter is not null };
    }

    public async ValueTask DisposeAsync() => await dataSource.DisposeAsync();

    private sealed class NoAttachments : IAttachmentReader
    {
        public static readonly NoAttachments Instance = new();

        public Task<Stream> OpenAsync(AttachmentDescriptor attachment, CancellationToken cancellationToken) => throw new InvalidOperationException("No attachments here.");
    }
}

/// <summary>The outcomes a flow's steps went through, the last one being where it ended.</summary>
public sealed record Flow(IReadOnlyList<StepProcessed> Steps)
{
    public StepProcessed End => Steps[^1];

    /// <summary>True when the last step still asked for a follow-up after the harness's bound (it never should).</summary>
    public bool FollowUpsLeft { get; init; }

    public override string ToString() => string.Join(" → ", Steps.Select(s => $"{s.Step} {s.Outcome}{(s.Error is { } e ? " " + e.Code : "")}"));
}

/// <summary>One request to the bank and what came back: its status and the request violations Prism reported.</summary>
public sealed record Exchange(string Method, string Path, int Status, IReadOnlyList<string> RequestViolations);

/// <summary>Records each exchange with the bank; adds <c>Prefer: example=…</c> where the test asks Prism for one of the specification's examples.</summary>
public sealed class RecordingHandler(Func<HttpRequestMessage, string?>? prefer) : DelegatingHandler
{
    public ConcurrentQueue<Exchange> Exchanges { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (prefer?.Invoke(request) is { } example)
        {
            request.Headers.TryAddWithoutValidation("Prefer", $"example={example}");
        }

        var response = await base.SendAsync(request, cancellationToken);
        var violations = new List<string>();
        if (response.Headers.TryGetValues("sl-violations", out var values))
        {
            foreach (var violation in JsonDocument.Parse(values.First()).RootElement.EnumerateArray())
            {
                if (violation.GetProperty("location")[0].GetString() == "request")
                {
                    violations.Add(violation.GetProperty("message").GetString()!);
                }
            }
        }

        Exchanges.Enqueue(new Exchange(request.Method.Method, request.RequestUri!.AbsolutePath, (int)response.StatusCode, violations));
        return response;
    }
}
