using System.Diagnostics;
using System.Text.Json;
using Finqware.SessionService.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Steps;

public sealed class StepDataWaitOptions
{
    public const string Section = "Steps";

    /// <summary>How long an outcome waits for the data it names before it is applied anyway.</summary>
    public TimeSpan DataWait { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Read-your-writes for what a step's result names: a connector publishes its data events (<c>ConnectionDataSynced</c>,
/// <c>PaymentInitiated</c>, <c>ApplicationUpdated</c>) with the outcome, but they travel on queues of their own. An
/// outcome whose result names a <c>connection_id</c>, <c>payment_id</c> or <c>application_id</c> this tenant does not
/// have yet is held until that record is stored, so whoever reads the step (or its webhook) finds them at once. A
/// connector that never sends the data holds its outcome no longer than <see cref="StepDataWaitOptions.DataWait"/>.
/// </summary>
public sealed partial class StepDataWait(SessionDbContext db, IOptions<StepDataWaitOptions> options, ILogger<StepDataWait> logger)
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(250);

    /// <summary>The ids <paramref name="result"/> names, by kind: connection, payment, application.</summary>
    public static (string? Connection, string? Payment, string? Application) Named(JsonDocument? result)
    {
        if (result?.RootElement is not { ValueKind: JsonValueKind.Object } root)
        {
            return default;
        }

        return (Id(root, "connection_id"), Id(root, "payment_id"), Id(root, "application_id"));

        static string? Id(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 and <= 128 } id ? id : null;
    }

    /// <summary>Returns once everything <paramref name="result"/> names is stored for <paramref name="clientId"/>, or the wait is over.</summary>
    public async Task WaitAsync(string clientId, Guid stepId, JsonDocument? result, CancellationToken cancellationToken)
    {
        var (connection, payment, application) = Named(result);
        if (connection is null && payment is null && application is null)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var pause = FirstPause;
        while (!await StoredAsync(clientId, connection, payment, application, cancellationToken))
        {
            if (Stopwatch.GetElapsedTime(started) >= options.Value.DataWait)
            {
                LogGaveUp(logger, stepId, connection ?? payment ?? application!);
                return;
            }

            await Task.Delay(pause, cancellationToken);
            pause = pause * 2 < LongestPause ? pause * 2 : LongestPause;
        }
    }

    private async Task<bool> StoredAsync(string clientId, string? connection, string? payment, string? application, CancellationToken cancellationToken) =>
        (connection is null || await db.Connections.AnyAsync(c => c.ClientId == clientId && c.ConnectionId == connection, cancellationToken))
        && (payment is null || await db.Payments.AnyAsync(p => p.ClientId == clientId && p.PaymentId == payment, cancellationToken))
        && (application is null || await db.Applications.AnyAsync(a => a.ClientId == clientId && a.ApplicationId == application, cancellationToken));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {StepId} names {Id}, whose data did not arrive in time: its outcome is applied without it")]
    private static partial void LogGaveUp(ILogger logger, Guid stepId, string id);
}
