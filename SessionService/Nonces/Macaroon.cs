using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Finqware.SessionService.Nonces;

/// <summary>
/// A macaroon in libmacaroons' V1 format: packets of four hex digits (the packet's whole length, newline included)
/// followed by <c>key value\n</c> — <c>location</c>, <c>identifier</c>, one <c>cid</c> per first-party caveat and
/// <c>signature</c> (32 raw bytes) — base64url-encoded. The signature is an HMAC-SHA256 chain: the root key is first
/// derived with the key <c>macaroons-key-generator</c>, then signs the identifier, then each caveat in turn.
/// </summary>
public sealed record Macaroon(string Location, string Identifier, IReadOnlyList<string> Caveats, byte[] Signature)
{
    private static readonly byte[] KeyGenerator = Pad("macaroons-key-generator"u8);

    public static Macaroon Mint(ReadOnlySpan<byte> rootKey, string location, string identifier, IEnumerable<string> caveats)
    {
        var list = caveats.ToList();
        return new Macaroon(location, identifier, list, Sign(rootKey, identifier, list));
    }

    /// <summary>The signature the root key gives this identifier and these caveats.</summary>
    public static byte[] Sign(ReadOnlySpan<byte> rootKey, string identifier, IReadOnlyList<string> caveats)
    {
        var signature = HMACSHA256.HashData(HMACSHA256.HashData(KeyGenerator, rootKey), Encoding.UTF8.GetBytes(identifier));
        foreach (var caveat in caveats)
        {
            signature = HMACSHA256.HashData(signature, Encoding.UTF8.GetBytes(caveat));
        }

        return signature;
    }

    /// <summary>True when the signature matches (compared in constant time).</summary>
    public bool IsSignedBy(ReadOnlySpan<byte> rootKey) =>
        Signature.Length == 32 && CryptographicOperations.FixedTimeEquals(Sign(rootKey, Identifier, Caveats), Signature);

    public string Serialize()
    {
        var buffer = new MemoryStream();
        Packet(buffer, "location", Encoding.UTF8.GetBytes(Location));
        Packet(buffer, "identifier", Encoding.UTF8.GetBytes(Identifier));
        foreach (var caveat in Caveats)
        {
            Packet(buffer, "cid", Encoding.UTF8.GetBytes(caveat));
        }

        Packet(buffer, "signature", Signature);
        return Base64Url.EncodeToString(buffer.ToArray());
    }

    /// <summary>Parses a serialized macaroon; null when it is not one (bad base64, bad packets, missing parts).</summary>
    public static Macaroon? TryParse(string? serialized)
    {
        if (string.IsNullOrEmpty(serialized) || serialized.Length > 4096)
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(serialized.TrimEnd('='));
        }
        catch (FormatException)
        {
            return null;
        }

        string? location = null, identifier = null;
        byte[]? signature = null;
        var caveats = new List<string>();
        var position = 0;
        while (position < bytes.Length)
        {
            if (signature is not null || position + 4 > bytes.Length
                || !int.TryParse(Encoding.ASCII.GetString(bytes, position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var length)
                || length < 6 || position + length > bytes.Length || bytes[position + length - 1] != (byte)'\n')
            {
                return null;
            }

            var body = bytes.AsSpan(position + 4, length - 5);
            var space = body.IndexOf((byte)' ');
            if (space <= 0)
            {
                return null;
            }

            var key = Encoding.ASCII.GetString(body[..space]);
            var value = body[(space + 1)..];
            switch (key)
            {
                case "location" when location is null && identifier is null:
                    location = Encoding.UTF8.GetString(value);
                    break;
                case "identifier" when location is not null && identifier is null:
                    identifier = Encoding.UTF8.GetString(value);
                    break;
                case "cid" when identifier is not null:
                    caveats.Add(Encoding.UTF8.GetString(value));
                    break;
                case "signature" when identifier is not null && value.Length == 32:
                    signature = value.ToArray();
                    break;
                default:
                    return null;
            }

            position += length;
        }

        return location is not null && identifier is not null && signature is not null
            ? new Macaroon(location, identifier, caveats, signature)
            : null;
    }

    private static void Packet(Stream buffer, string key, byte[] value)
    {
        var length = 4 + key.Length + 1 + value.Length + 1;
        if (length > 0xFFFF)
        {
            throw new ArgumentException("A macaroon packet cannot exceed 65535 bytes.", nameof(value));
        }

        buffer.Write(Encoding.ASCII.GetBytes(length.ToString("x4", CultureInfo.InvariantCulture)));
        buffer.Write(Encoding.ASCII.GetBytes(key + " "));
        buffer.Write(value);
        buffer.WriteByte((byte)'\n');
    }

    private static byte[] Pad(ReadOnlySpan<byte> text)
    {
        var padded = new byte[32];
        text.CopyTo(padded);
        return padded;
    }
}
