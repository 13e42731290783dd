using System.Text.RegularExpressions;
using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;
using Finqware.SkillConnectors.ExampleConnector;
using Finqware.SkillConnectors.Sdk;
using Finqware.SkillConnectors.Sdk.Testing;

namespace Finqware.SkillConnectors.Tests;

public sealed partial class SdkTests
{
    [Fact]
    public async Task The_test_kit_runs_the_example_handler_to_a_greeting()
    {
        var kit = new ConnectorTestKit();

        var run = await kit.RunAsync(new GreetingHandler(), EchoSkill.Manifest.SkillId, "greeting", new { name = "Ana" });

        Assert.Equal(StepOutcomes.Completed, run.Message.Outcome);
        Assert.Equal("Hello, Ana!", run.Message.Result!.Value.GetProperty("greeting").GetString());
        Assert.Equal(kit.SessionId, run.Message.SessionId);
    }

    [Fact]
    public async Task A_refused_name_is_a_failed_step_with_its_code()
    {
        var run = await new ConnectorTestKit().RunAsync(new GreetingHandler(), EchoSkill.Manifest.SkillId, "greeting", new { name = "nobody" });

        Assert.Equal(StepOutcomes.Failed, run.Message.Outcome);
        Assert.Equal("NAME_REFUSED", run.Message.Error!.Code);
    }

    [Fact]
    public async Task Handlers_read_attachments_and_publish_data_events_through_the_kit()
    {
        var kit = new ConnectorTestKit();
        var document = kit.Attach("id_front", "image/png", [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);

        var run = await kit.RunAsync(new DocumentSizeHandler(), "test_skill", "kyc", new { }, [document]);

        Assert.Equal(7, run.Message.Result!.Value.GetProperty("bytes").GetInt32());
        Assert.Equal(document.Sha256, run.Message.Result!.Value.GetProperty("sha256").GetString());
        Assert.True(run.Published<VerificationCompleted>().Approved);
    }

    [Fact]
    public async Task The_test_kit_runs_follow_ups_and_keeps_a_finished_steps_outcome()
    {
        var kit = new ConnectorTestKit();
        var handler = new PaymentHandler();

        var first = await kit.RunAsync(handler, "test_pisp", "authorise", new { amount = 10 });
        var second = await kit.FollowUpAsync(handler, first);
        var third = await kit.FollowUpAsync(handler, second);

        Assert.Equal((StepOutcomes.ActionRequired, TimeSpan.FromSeconds(2)), (first.Message.Outcome, first.Outcome.FollowUpAfter));
        Assert.Equal((StepOutcomes.Completed, true, "ACTC"), (second.Message.Outcome, second.Changed, second.Published<PaymentStatusChanged>().Status));
        Assert.Equal(first.Command.StepId, second.Message.StepId);
        Assert.Equal((StepOutcomes.Completed, false, "ACSC"), (third.Message.Outcome, third.Changed, third.Published<PaymentStatusChanged>().Status));
        Assert.Null(third.Outcome.FollowUpAfter);
        await Assert.ThrowsAsync<InvalidOperationException>(() => kit.FollowUpAsync(handler, third));
    }

    [Fact]
    public void Outcomes_map_to_the_step_processed_message()
    {
        var command = new ProcessStep
        {
            SessionId = Guid.NewGuid(), StepId = Guid.NewGuid(), ClientId = "c", Skill = "s", Step = "consent", StepNumber = 1,
            Data = JsonSerializer.SerializeToElement(new { }),
        };

        var redirect = StepOutcome.Redirect("https://bank.example/authorise").ToMessage(command, DateTimeOffset.UnixEpoch);
        var decoupled = StepOutcome.Decoupled("Approve in your bank app").ToMessage(command, DateTimeOffset.UnixEpoch);
        var pending = StepOutcome.PendingVerification(new { ReviewBy = "tomorrow" }).ToMessage(command, DateTimeOffset.UnixEpoch);

        Assert.Equal((StepOutcomes.ActionRequired, "redirect", "https://bank.example/authorise"), (redirect.Outcome, redirect.Action!.Type, redirect.Action.Url));
        Assert.Equal(("decoupled", "Approve in your bank app"), (decoupled.Action!.Type, decoupled.Action.Instruction));
        Assert.Equal("tomorrow", pending.Result!.Value.GetProperty("review_by").GetString());
        Assert.Equal(command.StepId, pending.StepId);
    }

    [Fact]
    public void A_connector_cannot_start_with_a_step_that_has_no_handler_or_a_handler_for_no_step()
    {
        var connector = ConnectorHost.CreateBuilder([]);
        var skill = connector.AddSkill(EchoSkill.Manifest);

        Assert.Throws<InvalidOperationException>(() => skill.HandleStep<GreetingHandler>("no-such-step"));
        var missing = Assert.Throws<InvalidOperationException>(connector.Build);
        Assert.Contains("greeting", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_example_manifest_queue_follows_the_naming_rule()
    {
        Assert.Equal("skill-example-echo-sbx-1-0", EchoSkill.Manifest.Queue);
    }

    [Fact]
    public void The_connector_guide_shows_the_example_projects_files_exactly()
    {
        var root = FindRoot();
        var guide = File.ReadAllText(Path.Combine(root, "docs", "connectors.md"));
        var files = new[] { "ExampleConnector.csproj", "EchoSkill.cs", "GreetingHandler.cs", "Program.cs" };
        foreach (var file in files)
        {
            var source = File.ReadAllText(Path.Combine(root, "SkillConnectors", "ExampleConnector", file)).TrimEnd('\n');
            var block = Regex.Match(guide, $@"`SkillConnectors/ExampleConnector/{Regex.Escape(file)}`:\n\n```\w+\n(.*?)\n```", RegexOptions.Singleline);
            Assert.True(block.Success, $"docs/connectors.md should show {file}");
            Assert.Equal(source, block.Groups[1].Value);
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Finqware.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Finqware.sln not found.");
    }

    /// <summary>Decoupled SCA, approved on the first follow-up; the payment then moves on to ACSC.</summary>
    private sealed class PaymentHandler : IStepHandler, IStepFollowUp
    {
        public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken) =>
            Task.FromResult(StepOutcome.Decoupled("Approve in your bank app").ThenFollowUp(TimeSpan.FromSeconds(2), new { Next = "ACTC" }));

        public Task<StepOutcome?> FollowUpAsync(StepContext step, JsonElement? state, CancellationToken cancellationToken)
        {
            var status = state!.Value.GetProperty("next").GetString()!;
            step.Publish(new PaymentStatusChanged { PaymentId = "pay_1", SessionId = step.SessionId, ClientId = step.ClientId, Status = status, At = DateTimeOffset.UtcNow });
            var outcome = StepOutcome.Completed(new { PaymentId = "pay_1" });
            return Task.FromResult<StepOutcome?>(status == "ACTC" ? outcome.ThenFollowUp(TimeSpan.FromSeconds(2), new { Next = "ACSC" }) : outcome);
        }
    }

    private sealed class DocumentSizeHandler : IStepHandler
    {
        public async Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
        {
            var attachment = step.Attachments.Single();
            await using var stream = await step.OpenAttachmentAsync(attachment, cancellationToken);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, cancellationToken);
            step.Publish(new VerificationCompleted { SessionId = step.SessionId, StepId = step.StepId, ClientId = step.ClientId, Approved = true, At = DateTimeOffset.UtcNow });
            return StepOutcome.Completed(new { Bytes = copy.Length, Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(copy.ToArray())) });
        }
    }
}
