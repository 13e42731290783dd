using System.Diagnostics.Metrics;

namespace Finqware.TenantService.Usage;

/// <summary>
/// The usage store's instruments for operators (exported as every <c>Finqware.*</c> meter, shown on the dashboard's
/// metrics page under <c>tenants</c>): units recorded, by unit and environment only. Never a tenant, servicer or skill
/// label: those are unbounded, and a series per tenant would grow the metric store with every sign-up. Usage per tenant
/// is the reports' (<c>GET /servicers/{servicer_id}/usage?group_by=tenant</c>), read from the database.
/// </summary>
public sealed class UsageMetrics
{
    public const string MeterName = "Finqware.TenantService.Usage";

    private readonly Counter<long> recorded;
    private readonly Counter<long> events;

    public UsageMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        recorded = meter.CreateCounter<long>("finqware.usage.recorded", "{unit}", "Usage recorded once (copies not counted), by unit and environment; bytes for upload_bytes");
        events = meter.CreateCounter<long>("finqware.usage.events", "{event}", "Usage events received, by whether they were new or a copy");
    }

    public void Recorded(string unit, string environment, long quantity) =>
        recorded.Add(quantity, new KeyValuePair<string, object?>("finqware.unit", unit), new KeyValuePair<string, object?>("finqware.environment", environment));

    public void Received(int fresh, int copies)
    {
        events.Add(fresh, new KeyValuePair<string, object?>("finqware.copy", false));
        events.Add(copies, new KeyValuePair<string, object?>("finqware.copy", true));
    }
}
