namespace Finqware.TenantService.Usage;

/// <summary>A report: one row per period and group that has usage, in period order.</summary>
public sealed record UsageReport(IReadOnlyList<UsageRow> Usage);
