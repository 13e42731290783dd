namespace Finqware.TenantService.Usage;

public sealed class UsageStoreOptions
{
    public const string Section = "Usage";

    /// <summary>
    /// How long raw usage events are kept (the daily aggregates are kept for good). An event is recognised as a copy
    /// only while its raw row exists, so this is also how late a redelivered copy may come and still count once.
    /// </summary>
    public TimeSpan RawRetention { get; set; } = TimeSpan.FromDays(35);

    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);
}
