using System.Globalization;
using System.Threading.RateLimiting;
using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Finqware.Gateway.Edge;

/// <summary>
/// Per-caller budgets at the edge (System.Threading.RateLimiting): a fixed window per route class and caller key
/// (<see cref="EdgeCaller"/>), aligned to the clock so every answer can say when it resets. The partition key includes the
/// window's number, so each window starts a fresh limiter and the previous one is dropped once idle. Every answer carries
/// the IETF httpapi <c>RateLimit-Policy</c> and <c>RateLimit</c> fields; a refusal is <c>429 RATE_LIMITED</c> with
/// <c>Retry-After</c>.
/// </summary>
public sealed class EdgeRateLimiter : IAsyncDisposable
{
    private readonly PartitionedRateLimiter<Partition> limiter;
    private readonly IOptionsMonitor<RateLimitOptions> options;
    private readonly TimeProvider clock;

    public EdgeRateLimiter(IOptionsMonitor<RateLimitOptions> options, TimeProvider clock)
    {
        this.options = options;
        this.clock = clock;
        limiter = PartitionedRateLimiter.Create<Partition, Partition>(partition => RateLimitPartition.GetFixedWindowLimiter(partition, p => new FixedWindowRateLimiterOptions
        {
            PermitLimit = p.PermitLimit,
            Window = p.WindowLength,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Takes one permit for <paramref name="caller"/>; writes the headers, and the 429 problem when refused (then false).</summary>
    public async Task<bool> TryAcquireAsync(HttpContext context, EdgeCaller caller)
    {
        var current = options.CurrentValue;
        if (!current.Enabled || !current.Classes.TryGetValue(caller.Class, out var budget))
        {
            return true;
        }

        var windowMs = Math.Max(1000, (long)budget.Window.TotalMilliseconds);
        var nowMs = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var window = nowMs / windowMs;
        var resetSeconds = (int)Math.Ceiling(((window + 1) * windowMs - nowMs) / 1000.0);
        var partition = new Partition(caller.Class, caller.Key, window, budget.PermitLimit, TimeSpan.FromMilliseconds(windowMs));

        using var lease = limiter.AttemptAcquire(partition);
        var remaining = lease.IsAcquired ? (int)(limiter.GetStatistics(partition)?.CurrentAvailablePermits ?? 0) : 0;
        var headers = context.Response.Headers;
        headers["RateLimit-Policy"] = string.Create(CultureInfo.InvariantCulture, $"\"{caller.Class}\";q={budget.PermitLimit};w={windowMs / 1000}");
        headers["RateLimit"] = string.Create(CultureInfo.InvariantCulture, $"\"{caller.Class}\";r={remaining};t={resetSeconds}");
        if (lease.IsAcquired)
        {
            return true;
        }

        headers.RetryAfter = resetSeconds.ToString(CultureInfo.InvariantCulture);
        await ApiProblems.Create(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, "Too many requests.",
            $"The {caller.Class} budget of {budget.PermitLimit} requests per {windowMs / 1000} s is spent: retry after {resetSeconds} s (Retry-After). "
            + "RateLimit and RateLimit-Policy on every answer say how much is left.").ExecuteAsync(context);
        return false;
    }

    public ValueTask DisposeAsync() => limiter.DisposeAsync();

    /// <summary>One caller's budget in one window of its class.</summary>
    private readonly record struct Partition(string Class, string Key, long Window, int PermitLimit, TimeSpan WindowLength);
}
