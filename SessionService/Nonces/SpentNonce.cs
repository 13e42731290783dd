namespace Finqware.SessionService.Nonces;

/// <summary>A nonce spent on a step: the row that records it (<paramref name="Used"/>) and the nonce of the next step.</summary>
public sealed record SpentNonce(UsedNonce Used, IssuedNonce Next);
