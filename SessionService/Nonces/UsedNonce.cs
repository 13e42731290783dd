namespace Finqware.SessionService.Nonces;

/// <summary>A consumed nonce. Its primary key makes a second use of the same nonce fail inside the step's transaction.</summary>
public sealed class UsedNonce
{
    public required string Identifier { get; init; }

    public required Guid SessionId { get; init; }

    public required DateTimeOffset UsedAt { get; init; }
}
