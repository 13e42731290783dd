namespace Finqware.SkillConnectors.Sdk;

/// <summary>
/// What a ledger does once a handler has run: what the handler did at the bank (a payment, a refresh, a revoke) is
/// done, so a publish or a store that fails is tried again rather than rolled back, which would let the broker's
/// redelivery run the handler a second time.
/// </summary>
internal static class AfterRun
{
    /// <summary>
    /// Runs <paramref name="operation"/> until it succeeds, with backoff from 100 ms to 1 s, for
    /// <paramref name="retryFor"/> (<see cref="ConnectorOptions.OutcomeRetryFor"/>); then, or on shutdown, its
    /// exception is thrown. <paramref name="log"/> gets the first failed attempt and then one in ten (about one every
    /// ten seconds while a dependency is away), with the delay before the next and the reason.
    /// The short ceiling keeps small the time between the database's (or the broker's) return and the outcome stored
    /// (or published): while a claim is lost, a copy of the step on another instance could run it again.
    /// </summary>
    public static async Task RetryAsync(Func<Task> operation, TimeSpan retryFor, Action<int, TimeSpan, string>? log, CancellationToken cancellationToken)
    {
        var giveUp = System.Diagnostics.Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await operation();
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && giveUp.Elapsed + delay < retryFor)
            {
                if (attempt == 1 || attempt % 10 == 0)
                {
                    log?.Invoke(attempt, delay, ex.Message);
                }

                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
            }
        }
    }
}
