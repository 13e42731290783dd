using System.ComponentModel.DataAnnotations;

namespace Finqware.ServiceDefaults.Data.Idempotency;

/// <summary><c>Idempotency__*</c>: how long answers are kept and when a request that never finished is given up.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>How long a key and its answer are kept (a retry after that runs as a new request).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A first request still running after this is taken for dead (its instance crashed) and a retry runs it.</summary>
    public TimeSpan AbandonedAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often expired keys are deleted.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Answers larger than this are not kept (the key is released instead).</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxAnswerBytes { get; set; } = 1024 * 1024;
}
