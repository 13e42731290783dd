namespace Finqware.SessionService.Infrastructure;

/// <summary>PostgreSQL keeps timestamps to the microsecond.</summary>
public static class DatabaseTime
{
    /// <summary>
    /// <paramref name="time"/> as PostgreSQL will store it: a time kept in memory and later compared with the stored one
    /// (a long-poll's answer, the copy <see cref="Steps.SubmittedSteps"/> keeps, the guards of the writes beside EF Core)
    /// must read the same from both.
    /// </summary>
    public static DateTimeOffset Stored(DateTimeOffset time) => time.AddTicks(-(time.Ticks % TimeSpan.TicksPerMicrosecond));
}
