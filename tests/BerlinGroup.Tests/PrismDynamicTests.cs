using System.Text.RegularExpressions;
using Finqware.Contracts.Sessions;

namespace Finqware.SkillConnectors.BerlinGroup.Tests;

/// <summary>
/// Dynamic mode: Prism answers with random data valid against the specification's schemas (random links, statuses, amounts,
/// ids, dates). A few hundred sessions of both skills, each asking for an approach in turn: every step ends COMPLETED or
/// FAILED with an UPPER_SNAKE code, none hangs (each flow has a deadline and the connector's own poll limits), and no handler
/// throws (a throw is what would send a step to the SDK's retries and the error queue instead of an answer).
/// </summary>
public sealed partial class PrismDynamicTests(DynamicPrism prism, PostgresServerFixture postgres) : IClassFixture<DynamicPrism>, IAsyncLifetime
{
    private const int Runs = 300;
    // The creation's answer: one of the specification's examples, so that every SCA path is taken, or (null) a random one too.
    private static readonly string?[] ConsentExamples =
    [
        null, "Response in case of a redirect", "Response in case of the decoupled approach",
        "Response in case of a redirect with a dedicated start of the authorisation process", "Response in case of the embedded approach",
    ];

    private static readonly string?[] PaymentExamples =
    [
        null, "Response in case of a redirect with an implicitly created authorisation sub-resource",
        "Response in case of the decoupled approach with explicit start of authorisation needed (will be done with the update PSU identification function)",
        "Response in case of a redirect where an explicit authorisation start is needed", "Response in case of the embedded approach with explicit start of authorisation",
    ];

    private BankHarness harness = null!;
    private int run;

    public async ValueTask InitializeAsync() => harness = await BankHarness.CreateAsync(postgres, prism.BaseUrl, prefer: request =>
        request.Method != HttpMethod.Post ? null
        : request.RequestUri!.AbsolutePath == "/v1/consents" ? ConsentExamples[run / 2 % ConsentExamples.Length]
        : request.RequestUri!.AbsolutePath == "/v1/payments/sepa-credit-transfers" ? PaymentExamples[run / 2 % PaymentExamples.Length]
        : null);

    public async ValueTask DisposeAsync() => await harness.DisposeAsync();

    [Fact]
    public async Task Hundreds_of_sessions_on_random_valid_answers_all_end_completed_or_failed_with_a_code()
    {
        var approaches = new[] { null, "REDIRECT", "DECOUPLED", "EMBEDDED" };
        var ends = new List<Flow>();
        for (var i = 0; i < Runs; i++)
        {
            run = i;
            var approach = approaches[i % approaches.Length];
            var aisp = i % 2 == 0;
            var data = aisp
                ? (object)new { psu_id = "PSU-1234", psu_ip_address = "192.0.2.10", sca_approach = approach, password = "start12" }
                : new
                {
                    creditor_name = "Merchant123", creditor_iban = "DE02100100109307118603", debtor_iban = "DE40100100103307118608", amount = "12.34",
                    currency = "EUR", psu_ip_address = "192.0.2.10", sca_approach = approach, password = "start12",
                };
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(30));
            var flow = await harness.RunAsync(aisp ? BankHarness.Aisp : BankHarness.Pisp, data, deadline.Token);
            Assert.False(flow.FollowUpsLeft, $"run {i}: polling did not end: {flow}");
            foreach (var step in flow.Steps.Where(s => s.Outcome == StepOutcomes.Failed))
            {
                Assert.Matches(UpperSnake(), step.Error!.Code);
                Assert.False(string.IsNullOrWhiteSpace(step.Error.Message));
            }

            Assert.True(flow.End.Outcome is StepOutcomes.Completed or StepOutcomes.Failed, $"run {i} ended {flow}");
            ends.Add(flow);
        }

        // The random answers reach the ends of both skills, completed and failed, so the test does not pass on one path only.
        // (A consent rarely gets through: a random transactions page links its next page to another resource, which fails the read.)
        Assert.Contains(ends, f => f.Steps.Any(s => s is { Step: Skills.Consent, Outcome: StepOutcomes.Completed }));
        Assert.Contains(ends, f => f.End is { Step: Skills.Confirm, Outcome: StepOutcomes.Completed, Skill: var s } && s == BankHarness.Pisp);
        Assert.Contains(ends, f => f.End is { Step: Skills.Consent, Outcome: StepOutcomes.Failed });
        Assert.Contains(ends, f => f.End is { Step: Skills.Payment, Outcome: StepOutcomes.Failed });
        Assert.All(harness.Published.OfType<PaymentStatusChanged>(), s => Assert.InRange(s.Status.Length, 3, 16));
    }

    [GeneratedRegex("^[A-Z][A-Z0-9_]+$")]
    private static partial Regex UpperSnake();
}
