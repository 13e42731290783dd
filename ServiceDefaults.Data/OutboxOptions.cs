namespace Microsoft.Extensions.Hosting;

public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>How often the relay looks for rows nobody published (left by a crashed instance, or a failed publish).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Rows older than this count as left over. Younger ones belong to a live process that publishes them from
    /// memory right after its commit; the margin keeps two instances from publishing the same row.
    /// </summary>
    public TimeSpan LeftOverAge { get; set; } = TimeSpan.FromSeconds(2);

    public int BatchSize { get; set; } = 100;

    /// <summary>Run the relay in this process (tests turn it off to play a process that dies right after its commit).</summary>
    public bool RelayEnabled { get; set; } = true;
}
