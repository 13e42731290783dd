using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Finqware.SessionService.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Webhooks;

/// <summary>
/// Delivers webhook events from the <c>webhook_deliveries</c> table: due rows are claimed with
/// <c>FOR UPDATE SKIP LOCKED</c> (safe with several instances), posted signed, and either marked delivered or given
/// their next attempt time with exponential backoff. Nothing lives only in memory, so a restart loses nothing.
/// </summary>
public sealed partial class WebhookDispatcher(
    IServiceScopeFactory scopes,
    WebhookSigner signer,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string SignatureHeader = "Finqware-Signature";
    public const string EventIdHeader = "Finqware-Event-Id";

    private readonly HttpClient http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false });

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
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var due = await db.WebhookDeliveries
            .FromSqlInterpolated($"SELECT * FROM webhook_deliveries WHERE status = {WebhookStatus.Pending} AND next_attempt_at <= {now} ORDER BY next_attempt_at LIMIT 20 FOR UPDATE SKIP LOCKED")
            .ToListAsync(cancellationToken);
        foreach (var delivery in due)
        {
            var tenant = await db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.ClientId == delivery.ClientId, cancellationToken);
            var signature = tenant is null ? null : signer.Sign(tenant, clock.GetUtcNow(), delivery.Payload);
            delivery.Attempts++;
            if (signature is null)
            {
                Retry(delivery, null, "The tenant has no webhook secret that signs (rotate it: POST /tenants/{client_id}/keys/rotate).");
                continue;
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
                {
                    Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add(SignatureHeader, signature);
                request.Headers.Add(EventIdHeader, delivery.Id.ToString());
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Value.Timeout);
                using var response = await http.SendAsync(request, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    delivery.Status = WebhookStatus.Delivered;
                    delivery.DeliveredAt = clock.GetUtcNow();
                    delivery.LastStatusCode = (int)response.StatusCode;
                    delivery.LastError = null;
                }
                else
                {
                    Retry(delivery, (int)response.StatusCode, $"The endpoint answered {(int)response.StatusCode}.");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                Retry(delivery, null, ex is TaskCanceledException ? "The endpoint did not answer in time." : $"The endpoint could not be reached: {ex.Message}");
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    private void Retry(WebhookDelivery delivery, int? statusCode, string error)
    {
        delivery.LastStatusCode = statusCode;
        delivery.LastError = error.Length > 500 ? error[..500] : error;
        if (delivery.Attempts >= options.Value.MaxAttempts)
        {
            delivery.Status = WebhookStatus.Failed;
            LogGaveUp(logger, delivery.Id, delivery.Attempts);
            return;
        }

        var backoff = options.Value.InitialBackoff * Math.Pow(2, delivery.Attempts - 1);
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
