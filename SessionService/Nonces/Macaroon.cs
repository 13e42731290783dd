using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Finqware.SessionService.Nonces;

/// <summary>
/// A macaroon in libmacaroons' V1 format: packets of <c>LLLLkey value\n</c> (LLLL = the packet's total length in
/// four lowercase hex digits) for <c>location</c>, <c>identifier</c>, one <c>cid</c> per first-party caveat and the
/// 32-byte <c>signature</c>, the whole base64url encoded. The signature is the HMAC-SHA256 chain of libmacaroons.
/// </summary>
public sealed record Macaroon(string Location, string Identifier, IReadOnlyList<string> Caveats, byte[] Signature)
{
    private const int MaxPacket = 0xFFFF;

    /// <summary>libmacaroons derives the chain's first key from the root key with this generator (zero padded to 32 bytes).</summary>
    private static readonly byte[] KeyGenerator = Pad32("macaroons-key-generator"u8);

    public static Macaroon Mint(byte[] rootKey, string location, string identifier, IReadOnlyList<string> caveats) =>
        new(location, identifier, caveats, ComputeSignature(rootKey, identifier, caveats));

    public static byte[] ComputeSignature(byte[] rootKey, string identifier, IEnumerable<string> caveats)
    {
        var signature = HMACSHA256.HashData(HMACSHA256.HashData(KeyGenerator, rootKey), Encoding.UTF8.GetBytes(identifier));
        foreach (var caveat in caveats)
        {
            signature = HMACSHA256.HashData(signature, Encoding.UTF8.GetBytes(caveat));
        }

        return signature;
    }

    /// <summary>True when the signature is the one <paramref name="rootKey"/> gives (compared in constant time).</summary>
    public bool IsSignedWith(byte[] rootKey) =>
        CryptographicOperations.FixedTimeEquals(ComputeSignature(rootKey, Identifier, Caveats), Signature);

    public string Serialize()
    {
        using var buffer = new MemoryStream();
        WritePacket(buffer, "location", Encoding.UTF8.GetBytes(Location));
        WritePacket(buffer, "identifier", Encoding.UTF8.GetBytes(Identifier));
        foreach (var caveat in Caveats)
        {
            WritePacket(buffer, "cid", Encoding.UTF8.GetBytes(caveat));
        }

        WritePacket(buffer, "signature", Signature);
        return Base64Url.EncodeToString(buffer.ToArray());
    }

    /// <summary>Parses a serialized macaroon; null when it is not one (bad base64, bad packets, missing parts).</summary>
    public static Macaroon? TryParse(string? serialized)
    {
        if (string.IsNullOrWhiteSpace(serialized) || serialized.Length > 4096)
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(serialized.Trim().TrimEnd('=').AsSpan());
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
            if (signature is not null || !TryReadPacket(bytes, ref position, out var key, out var value))
            {
                return null;
            }

            switch (key)
            {
                case "location" when location is null && identifier is null:
                    location = Utf8(value);
                    break;
                case "identifier" when location is not null && identifier is null:
                    identifier = Utf8(value);
                    break;
                case "cid" when identifier is not null:
                    caveats.Add(Utf8(value));
                    break;
                case "signature" when identifier is not null && value.Length == 32:
                    signature = value.ToArray();
                    break;
                default:
                    return null;
            }
        }

        return location is null || identifier is null || signature is null ? null : new Macaroon(location, identifier, caveats, signature);
    }

    /// <summary>The packets as text (the signature in hex), the way libmacaroons' inspect shows them.</summary>
    public string Inspect()
    {
        var builder = new StringBuilder();
        builder.Append("location ").Append(Location).Append('\n');
        builder.Append("identifier ").Append(Identifier).Append('\n');
        foreach (var caveat in Caveats)
        {
            builder.Append("cid ").Append(caveat).Append('\n');
        }

        builder.Append("signature ").Append(Convert.ToHexStringLower(Signature)).Append('\n');
        return builder.ToString();
    }

    private static void WritePacket(Stream stream, string key, ReadOnlySpan<byte> value)
    {
        var length = 4 + key.Length + 1 + value.Length + 1;
        if (length > MaxPacket)
        {
            throw new ArgumentException($"A macaroon packet is at most {MaxPacket} bytes.", nameof(value));
        }

        stream.Write(Encoding.ASCII.GetBytes(length.ToString("x4", CultureInfo.InvariantCulture)));
        stream.Write(Encoding.ASCII.GetBytes(key));
        stream.WriteByte((byte)' ');
        stream.Write(value);
        stream.WriteByte((byte)'\n');
    }

    private static bool TryReadPacket(byte[] bytes, ref int position, out string key, out ReadOnlySpan<byte> value)
    {
        key = "";
        value = default;
        if (bytes.Length - position < 4
            || !int.TryParse(Encoding.ASCII.GetString(bytes, position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var length)
            || length < 6 || position + length > bytes.Length || bytes[position + length - 1] != (byte)'\n')
        {
            return false;
        }

        var body = bytes.AsSpan(position + 4, length - 5);
        var space = body.IndexOf((byte)' ');
        if (space <= 0)
        {
            return false;
        }

        key = Encoding.ASCII.GetString(body[..space]);
        value = body[(space + 1)..];
        position += length;
        return true;
    }

    private static string Utf8(ReadOnlySpan<byte> value) => Encoding.UTF8.GetString(value);

    private static byte[] Pad32(ReadOnlySpan<byte> text)
    {
        var key = new byte[32];
        text.CopyTo(key);
        return key;
    }
}
