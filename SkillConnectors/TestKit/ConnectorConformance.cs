using System.Text.Json;
using Finqware.CatalogService.Skills;
using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;
using Finqware.SkillConnectors.Sdk;
using Finqware.Testing;

namespace Finqware.SkillConnectors.TestKit;

/// <summary>One check of <see cref="ConnectorConformance"/>: what was checked, whether it held, and what was seen.</summary>
public sealed record ConformanceCheck(string Name, bool Passed, string Detail);

/// <summary>What <see cref="ConnectorConformance.CheckAsync"/> found.</summary>
public sealed record ConformanceReport(IReadOnlyList<ConformanceCheck> Checks)
{
    public bool Conformant => Checks.All(c => c.Passed);

    public IEnumerable<ConformanceCheck> Failures => Checks.Where(c => !c.Passed);

    /// <summary>Throws <see cref="ConformanceException"/> listing every failed check.</summary>
    public void AssertConformant()
    {
        if (!Conformant)
        {
            throw new ConformanceException(this);
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, Checks.Select(c => $"{(c.Passed ? "ok  " : "FAIL")} {c.Name}: {c.Detail}"));
}

public sealed class ConformanceException(ConformanceReport report)
    : Exception($"The connector does not follow Finqware's protocol:{Environment.NewLine}{report}")
{
    public ConformanceReport Report { get; } = report;
}

/// <summary>
/// Checks a connector against the protocol as Finqware's services expect it, on real RabbitMQ and PostgreSQL:
/// <list type="bullet">
/// <item>each manifest passes the catalog's own validation (fields, step names, a valid JSON Schema per step whose first
/// example it accepts);</item>
/// <item>the connector announces every skill (the manifest it declared) and heartbeats with all its skill ids;</item>
/// <item>each skill's steps, run in order as a session runs them with their first examples (until one waits for a user
/// or fails), are handled once although every command is delivered twice, and each outcome that waits for the outside
/// (ACTION_REQUIRED, PENDING_VERIFICATION) is stored before it is published (a finished one by the time it is applied);</item>
/// <item>where a skill has data (data_products), a refresh is answered (data or a refusal) and a revoke is taken, each
/// once although delivered twice;</item>
/// <item>on stop, the connector says goodbye (a heartbeat with stopping = true for all its skills).</item>
/// </list>
/// <code>
/// var report = await ConnectorConformance.CheckAsync(postgres, rabbit, c => c.AddMyConnector());
/// report.AssertConformant();
/// </code>
/// </summary>
public static class ConnectorConformance
{
    private static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerDefaults.Web);

    public static async Task<ConformanceReport> CheckAsync(
        PostgresServerFixture postgres,
        RabbitMqFixture rabbit,
        Action<ConnectorHost> configure,
        ConnectorTestOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var checks = new List<ConformanceCheck>();
        await using var connector = await ConnectorUnderTest.StartAsync(postgres, rabbit, configure, options, cancellationToken);
        var services = connector.Services;

        foreach (var manifest in connector.Manifests)
        {
            var problems = await ManifestValidator.ValidateAsync(manifest);
            checks.Add(new($"manifest {manifest.SkillId}", problems.Count == 0, problems.Count == 0 ? "valid, and each step's first example matches its schema" : string.Join("; ", problems)));

            var announced = services.Announcements.Where(a => a.Manifest.SkillId == manifest.SkillId).ToList();
            var same = announced.Any(a => a.InstanceId == connector.InstanceId
                && JsonSerializer.Serialize(a.Manifest, ManifestJson) == JsonSerializer.Serialize(manifest, ManifestJson));
            checks.Add(new($"announcement {manifest.SkillId}", same, same ? "announced with its manifest and the instance id" : $"{announced.Count} announcement(s), none with the declared manifest from instance {connector.InstanceId}"));
        }

        var skillIds = connector.Manifests.Select(m => m.SkillId).Order().ToList();
        checks.Add(await RunCheckAsync("heartbeats", async () =>
        {
            await connector.EventuallyAsync(
                () => services.Heartbeats.Count(h => h.InstanceId == connector.InstanceId && !h.Stopping && h.SkillIds.Order().SequenceEqual(skillIds)) >= 2,
                "fewer than two heartbeats naming every skill",
                cancellationToken);
            return "the instance heartbeats with all its skill ids";
        }));

        foreach (var manifest in connector.Manifests)
        {
            await CheckStepsAsync(connector, manifest, checks, cancellationToken);
            if (manifest.DataProducts.Count > 0)
            {
                await CheckConnectionsAsync(connector, manifest, checks, cancellationToken);
            }
        }

        await connector.StopAsync(cancellationToken);
        checks.Add(await RunCheckAsync("goodbye", async () =>
        {
            await connector.EventuallyAsync(
                () => services.Heartbeats.Any(h => h.InstanceId == connector.InstanceId && h.Stopping && h.SkillIds.Order().SequenceEqual(skillIds)),
                "no goodbye (a heartbeat with stopping = true for every skill) after the stop",
                cancellationToken);
            return "a heartbeat with stopping = true for every skill on stop";
        }));

        return new ConformanceReport(checks);
    }

    private static async Task CheckStepsAsync(ConnectorUnderTest connector, SkillManifest manifest, List<ConformanceCheck> checks, CancellationToken cancellationToken)
    {
        var sessionId = Guid.NewGuid();
        var previous = new Dictionary<string, JsonElement>();
        var number = 0;
        foreach (var step in manifest.Steps)
        {
            number++;
            var name = $"step {manifest.SkillId}/{step.Name}";
            if (step.Uploads.Any(u => u.Required))
            {
                checks.Add(new(name, true, "not run: it needs uploaded documents, which SessionService serves"));
                break;
            }

            if (!step.DataSchema.TryGetProperty("examples", out var examples) || examples.ValueKind != JsonValueKind.Array || examples.GetArrayLength() == 0)
            {
                checks.Add(new(name, false, "not run: the step has no example to send"));
                break;
            }

            var command = ConnectorUnderTest.Step(manifest.SkillId, step.Name, examples[0].Clone(), number, sessionId, new Dictionary<string, JsonElement>(previous));
            StepProcessed? first = null;
            var check = await RunCheckAsync(name, async () =>
            {
                // The broker delivers at least once: the same command twice must run the handler once.
                var queue = SkillQueues.For(manifest.SkillId);
                await connector.Services.SendAsync(queue, command, cancellationToken);
                await connector.Services.SendAsync(queue, command, cancellationToken);
                first = await connector.WaitForAsync(() => connector.Services.Outcomes.FirstOrDefault(o => o.StepId == command.StepId), "no outcome", cancellationToken);
                await connector.EventuallyAsync(
                    () => connector.Services.Outcomes.Count(o => o.StepId == command.StepId) >= 2,
                    "the second copy of the command was not answered with the step's outcome",
                    cancellationToken);
                var runs = connector.HandlerRuns(command.StepId);
                if (runs != 1)
                {
                    throw new InvalidOperationException($"the handler ran {runs} times for one step delivered twice");
                }

                if (first.Outcome is not (StepOutcomes.Completed or StepOutcomes.Failed or StepOutcomes.ActionRequired or StepOutcomes.PendingVerification))
                {
                    throw new InvalidOperationException($"unknown outcome {first.Outcome}");
                }

                // An outcome that waits for the outside is acted on by someone who must find the step stored: it is
                // published after the ledger commits. A finished one is stored by the time the services apply it.
                var arrived = connector.Services.OutcomesWithStoredState.First(o => o.Outcome.StepId == command.StepId);
                if (first.Outcome is StepOutcomes.ActionRequired or StepOutcomes.PendingVerification && arrived.Stored != first.Outcome)
                {
                    throw new InvalidOperationException($"the outcome {first.Outcome} was published before it was stored (the ledger held {arrived.Stored ?? "nothing"})");
                }

                var stored = await StoredAsync(connector, command.StepId, cancellationToken);
                return $"{first.Outcome}, handled once for two deliveries, stored ({stored})";
            });
            checks.Add(check);
            if (!check.Passed || first is not { Outcome: StepOutcomes.Completed })
            {
                break;
            }

            previous[step.Name] = first.Result ?? JsonSerializer.SerializeToElement(new { });
        }
    }

    private static async Task<string> StoredAsync(ConnectorUnderTest connector, Guid stepId, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + connector.Timeout;
        while (true)
        {
            var stored = await connector.QueryAsync<string>(
                "SELECT outcome->>'outcome' FROM processed_steps WHERE step_id = @id", new Dictionary<string, object> { ["id"] = stepId }, cancellationToken);
            if (stored is not null)
            {
                return stored;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the step's outcome was never stored in the connector's ledger");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task CheckConnectionsAsync(ConnectorUnderTest connector, SkillManifest manifest, List<ConformanceCheck> checks, CancellationToken cancellationToken)
    {
        var services = connector.Services;
        // A connection from the steps above when one was made, else one the connector does not know (it must refuse it).
        var connectionId = services.DataSynced.FirstOrDefault(d => d.Skill == manifest.SkillId)?.ConnectionId ?? $"conformance-{Guid.NewGuid():N}";
        var sessionId = services.DataSynced.FirstOrDefault(d => d.ConnectionId == connectionId)?.SessionId ?? Guid.NewGuid();
        var queue = SkillQueues.For(manifest.SkillId);

        var refresh = new RefreshConnection
        {
            RequestId = Guid.NewGuid(),
            ConnectionId = connectionId,
            SessionId = sessionId,
            ClientId = "fqc_connector_test",
            Skill = manifest.SkillId,
            RequestedAt = DateTimeOffset.UtcNow,
        };
        var syncedBefore = services.DataSynced.Count(d => d.ConnectionId == connectionId);
        checks.Add(await RunCheckAsync($"refresh {manifest.SkillId}", async () =>
        {
            await services.SendAsync(queue, refresh, cancellationToken);
            await services.SendAsync(queue, refresh, cancellationToken);
            await connector.EventuallyAsync(
                () => services.RefreshFailures.Any(f => f.RequestId == refresh.RequestId) || services.DataSynced.Count(d => d.ConnectionId == connectionId) > syncedBefore,
                "the refresh was not answered (ConnectionDataSynced or ConnectionRefreshFailed)",
                cancellationToken);
            await RequestStoredAsync(connector, refresh.RequestId, "refresh", cancellationToken);
            var answer = services.RefreshFailures.FirstOrDefault(f => f.RequestId == refresh.RequestId) is { } failed ? $"refused with {failed.Code}" : "data synced";
            return $"{answer}, recorded once for two deliveries";
        }));

        var revoke = new RevokeConnection
        {
            RequestId = Guid.NewGuid(),
            ConnectionId = connectionId,
            ClientId = "fqc_connector_test",
            Skill = manifest.SkillId,
            RequestedAt = DateTimeOffset.UtcNow,
        };
        checks.Add(await RunCheckAsync($"revoke {manifest.SkillId}", async () =>
        {
            await services.SendAsync(queue, revoke, cancellationToken);
            await services.SendAsync(queue, revoke, cancellationToken);
            await RequestStoredAsync(connector, revoke.RequestId, "revoke", cancellationToken);
            return "taken, recorded once for two deliveries";
        }));
    }

    private static async Task RequestStoredAsync(ConnectorUnderTest connector, Guid requestId, string kind, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + connector.Timeout;
        while (await connector.QueryAsync<long>(
            "SELECT count(*) FROM connection_requests WHERE request_id = @id AND kind = @kind",
            new Dictionary<string, object> { ["id"] = requestId, ["kind"] = kind },
            cancellationToken) != 1)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the {kind} was never recorded in the connector's connection_requests");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task<ConformanceCheck> RunCheckAsync(string name, Func<Task<string>> check)
    {
        try
        {
            return new ConformanceCheck(name, true, await check());
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            return new ConformanceCheck(name, false, ex.Message);
        }
    }
}
