namespace Finqware.SessionService.Nonces;

/// <summary>What a nonce's signature and caveats say about it.</summary>
public enum NonceVerdict
{
    Invalid,
    Expired,
    Valid,
}
