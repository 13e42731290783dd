namespace Finqware.SessionService.Nonces;

/// <summary>The verdict on a presented nonce, and what it names when it was ours (its identifier, step number, expiry).</summary>
public sealed record NonceCheck(NonceVerdict Verdict, string? Identifier, int Seq, DateTimeOffset? ExpiresAt)
{
    public static readonly NonceCheck Invalid = new(NonceVerdict.Invalid, null, 0, null);
}
