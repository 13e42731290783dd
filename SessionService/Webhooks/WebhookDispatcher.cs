using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Finqware.ServiceDefaults.Http;
using Finqware.SessionService.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Webhooks;

/// <summary>
/// Delivers webhook events from the <c>webhook_deliveries</c> table: due rows are claimed in a short transaction
/// (<c>FOR UPDATE SKIP LOCKED</c>, safe with several instances), then posted signed with no transaction open, and either
/// marked delivered or given their next attempt time with exponential backoff; each attempt is kept
/// (<c>webhook_attempts</c>) with the outcome. Nothing lives only in memory, so a restart loses nothing.
/// </summary>
public sealed partial class WebhookDispatcher(
    IServiceScopeFactory scopes,
    WebhookSigner signer,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    IHostEnvironment hosting,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string SignatureHeader = "Finqware-Signature";
    public const string EventIdHeader = "Finqware-Event-Id";

    /// <summary>Deliveries taken per round.</summary>
    public const int BatchSize = 20;

    // Every connection is checked again where it goes (WebhookTargets): a public address, loopback too while developing.
    private readonly HttpClient http = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
        ConnectCallback = (context, cancellationToken) => WebhookTargets.ConnectAsync(context, hosting.IsDevelopment(), cancellationToken),
    });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var delivered = 0;
            try
            {
                delivered = await DeliverDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRoundFailed(logger, ex);
            }

            if (delivered == 0)
            {
                await Task.Delay(options.Value.PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SessionDbContext>();
        // No transaction is open while a receiver is called: a slow or hanging one holds no lock and no connection.
        var claimed = await ClaimAsync(db, cancellationToken);
        foreach (var delivery in claimed)
        {
            var tenant = await db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.ClientId == delivery.ClientId, cancellationToken);
            var attemptedAt = clock.GetUtcNow();
            var started = clock.GetTimestamp();
            var signature = tenant is null ? null : signer.Sign(tenant, attemptedAt, delivery.Payload);
            var (statusCode, error) = signature is null
                ? (null, "The tenant has no webhook secret that signs (rotate it: POST /tenants/{client_id}/keys/rotate).")
                : await PostAsync(delivery, signature, cancellationToken);
            Conclude(delivery, statusCode, error);
            db.WebhookAttempts.Add(new WebhookAttempt
            {
                DeliveryId = delivery.Id,
                Number = delivery.Attempts,
                AttemptedAt = attemptedAt,
                StatusCode = statusCode,
                Error = delivery.LastError,
                LatencyMs = (int)Math.Min(int.MaxValue, clock.GetElapsedTime(started).TotalMilliseconds),
            });

            // Each outcome on its own: one that cannot be saved leaves its row claimed until the claim ends, then it is sent again.
            await db.SaveChangesAsync(cancellationToken);
        }

        return claimed.Count;
    }

    /// <summary>
    /// Takes the due deliveries in a short transaction of its own (<c>FOR UPDATE SKIP LOCKED</c>, safe with several
    /// instances): each gets its attempt counted and its next attempt moved past the time this round may take, so no
    /// other round takes it meanwhile; a round that dies leaves them to be taken again then.
    /// </summary>
    private async Task<List<WebhookDelivery>> ClaimAsync(SessionDbContext db, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var due = await db.WebhookDeliveries
            .FromSqlInterpolated($"SELECT * FROM webhook_deliveries WHERE status = {WebhookStatus.Pending} AND next_attempt_at <= {now} ORDER BY next_attempt_at LIMIT {BatchSize} FOR UPDATE SKIP LOCKED")
            .ToListAsync(cancellationToken);
        var claimedUntil = now + (options.Value.Timeout * (due.Count + 1)) + TimeSpan.FromSeconds(30);
        foreach (var delivery in due)
        {
            delivery.Attempts++;
            delivery.NextAttemptAt = claimedUntil;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return due;
    }

    /// <summary>One attempt: the receiver's status code, and why it failed (null when it took the event, a 2xx).</summary>
    private async Task<(int? StatusCode, string? Error)> PostAsync(WebhookDelivery delivery, string signature, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
            {
                Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add(SignatureHeader, signature);
            request.Headers.Add(EventIdHeader, delivery.Id.ToString());
            // The time limit runs on the service's clock (a test's clock moves a hanging receiver past it).
            using var timeLimit = new CancellationTokenSource(options.Value.Timeout, clock);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeLimit.Token);
            using var response = await http.SendAsync(request, timeout.Token);
            var statusCode = (int)response.StatusCode;
            return (statusCode, response.IsSuccessStatusCode ? null : $"The endpoint answered {statusCode}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            return (null, ex is TaskCanceledException ? "The endpoint did not answer in time." : $"The endpoint could not be reached: {ex.Message}");
        }
    }

    /// <summary>
    /// The one place an attempt's outcome is decided: DELIVERED (no <paramref name="error"/>), PENDING with its next
    /// attempt after a backoff, or FAILED after the last attempt. Whatever counts deliveries hooks in here.
    /// </summary>
    private void Conclude(WebhookDelivery delivery, int? statusCode, string? error)
    {
        delivery.LastStatusCode = statusCode;
        if (error is null)
        {
            delivery.Status = WebhookStatus.Delivered;
            delivery.DeliveredAt = clock.GetUtcNow();
            delivery.LastError = null;
            return;
        }

        delivery.LastError = error.Length > 500 ? error[..500] : error;
        var attempts = delivery.Attempts - delivery.AttemptsBeforeRedelivery;
        if (attempts >= options.Value.MaxAttempts)
        {
            delivery.Status = WebhookStatus.Failed;
            LogGaveUp(logger, delivery.Id, delivery.Attempts);
            return;
        }

        var backoff = options.Value.InitialBackoff * Math.Pow(2, attempts - 1);
        delivery.NextAttemptAt = clock.GetUtcNow() + (backoff < options.Value.MaxBackoff ? backoff : options.Value.MaxBackoff);
    }

    public override void Dispose()
    {
        http.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook round failed; due deliveries stay pending")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {EventId} given up after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, Guid eventId, int attempts);
}
