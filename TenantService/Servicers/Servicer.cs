namespace Finqware.TenantService.Servicers;

/// <summary>A partner company registered with Finqware: a bank, an insurer or a fintech.</summary>
public sealed class Servicer
{
    public required Guid Id { get; init; }

    public required string Name { get; set; }

    /// <summary>bank, insurer or fintech.</summary>
    public required string Kind { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }
}
