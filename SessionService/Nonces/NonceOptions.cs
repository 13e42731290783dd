using System.ComponentModel.DataAnnotations;

namespace Finqware.SessionService.Nonces;

public sealed class NonceOptions
{
    public const string Section = "Nonces";

    /// <summary>Base64 of at least 32 random bytes: the root key every nonce's signature chains from.</summary>
    [Required(ErrorMessage = "Nonces:RootKey (environment Nonces__RootKey) is required: base64 of 32 or more random bytes, e.g. `openssl rand -base64 32`.")]
    public string RootKey { get; set; } = "";

    /// <summary>How long a nonce authorises the next step (the seed's 30 minutes).</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(30);

    public byte[] RootKeyBytes() => Convert.FromBase64String(RootKey);

    /// <summary>Checks what data annotations cannot: the key decodes and is long enough.</summary>
    public static bool HasUsableKey(NonceOptions options)
    {
        try
        {
            return options.RootKeyBytes().Length >= 32;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
