namespace Finqware.SessionService.Nonces;

/// <summary>A nonce as handed to the client (<paramref name="Value"/>), and what the session keeps of it (its identifier, expiry).</summary>
public sealed record IssuedNonce(string Value, string Identifier, int Seq, DateTimeOffset ExpiresAt);
