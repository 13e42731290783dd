namespace Finqware.TenantService.Usage;

/// <summary>
/// One period (YYYY-MM-DD, or YYYY-MM by month) of one group; client_id and skill are present when grouped by them.
/// The units are docs/usage.md's; <see cref="DataCalls"/> is the sum of the data_calls_* classes.
/// </summary>
public sealed record UsageRow(
    string Period,
    string? ClientId,
    string? Skill,
    string Environment,
    long SessionsOpened,
    long SessionsCompleted,
    long SessionsFailed,
    long SessionsExpired,
    long SessionsCancelled,
    long Steps,
    long StepsCompleted,
    long StepsFailed,
    long Uploads,
    long UploadBytes,
    long DataCalls,
    long DataCallsAccounts,
    long DataCallsBalances,
    long DataCallsTransactions,
    long DataCallsPayments,
    long DataCallsApplications,
    long DataCallsConnections,
    long ActiveConnections,
    long WebhooksDelivered,
    long WebhooksFailed)
{
    /// <summary>The units' names, in the order of the report's fields (the CSV header's after the groups).</summary>
    public static readonly string[] Units =
    [
        "sessions_opened", "sessions_completed", "sessions_failed", "sessions_expired", "sessions_cancelled",
        "steps", "steps_completed", "steps_failed", "uploads", "upload_bytes",
        "data_calls", "data_calls_accounts", "data_calls_balances", "data_calls_transactions", "data_calls_payments", "data_calls_applications", "data_calls_connections",
        "active_connections", "webhooks_delivered", "webhooks_failed",
    ];

    /// <summary>The units' values, in <see cref="Units"/>' order.</summary>
    public IEnumerable<long> Values() =>
    [
        SessionsOpened, SessionsCompleted, SessionsFailed, SessionsExpired, SessionsCancelled,
        Steps, StepsCompleted, StepsFailed, Uploads, UploadBytes,
        DataCalls, DataCallsAccounts, DataCallsBalances, DataCallsTransactions, DataCallsPayments, DataCallsApplications, DataCallsConnections,
        ActiveConnections, WebhooksDelivered, WebhooksFailed,
    ];
}
