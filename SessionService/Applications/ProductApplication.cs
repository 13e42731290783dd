using System.Text.Json;

namespace Finqware.SessionService.Applications;

/// <summary>
/// A marketplace application (deposit, credit card…), the latest state from <c>ApplicationUpdated</c>.
/// <see cref="ApplicationId"/> is the connector's id, unique per tenant; one session holds at most one application.
/// </summary>
public sealed class ProductApplication
{
    public required Guid Id { get; init; }

    public required string ClientId { get; init; }

    public required string ApplicationId { get; init; }

    public required Guid SessionId { get; set; }

    public required string Skill { get; set; }

    public required string Product { get; set; }

    public required string Status { get; set; }

    public string? Reason { get; set; }

    public JsonDocument? Offer { get; set; }

    public JsonDocument? Contract { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The <c>At</c> of the update applied last: an older one arriving late is ignored.</summary>
    public DateTimeOffset LastEventAt { get; set; }
}
