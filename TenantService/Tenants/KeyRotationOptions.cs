namespace Finqware.TenantService.Tenants;

/// <summary>How long a rotated key's old value keeps working (<see cref="TenantsApi"/>), checked at start.</summary>
public sealed class KeyRotationOptions
{
    public const string Section = "Keys";

    /// <summary>How long a rotated key's old value keeps working, unless the request says otherwise.</summary>
    public TimeSpan DefaultGracePeriod { get; set; } = TimeSpan.FromHours(24);

    public TimeSpan MaxGracePeriod { get; set; } = TimeSpan.FromDays(30);
}
