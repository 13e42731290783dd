using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Finqware.SessionService.Accounts;

/// <summary>
/// Opaque cursors: base64url of a versioned position bound to its account or connection. The list's cursor is the
/// keyset position (booking_date, id) of the last row returned, so rows inserted meanwhile never shift a page; the
/// sync's cursor is the connection's change number the client has seen.
/// </summary>
internal static class Cursors
{
    private const int MaxLength = 200;

    public static string ForList(Guid accountKey, DateOnly bookingDate, long id) =>
        Encode($"l1|{accountKey:N}|{bookingDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}|{id.ToString(CultureInfo.InvariantCulture)}");

    public static bool TryReadList(string cursor, Guid accountKey, out DateOnly bookingDate, out long id)
    {
        bookingDate = default;
        id = 0;
        return Decode(cursor) is { Length: 4 } parts && parts[0] == "l1" && parts[1] == accountKey.ToString("N")
            && DateOnly.TryParseExact(parts[2], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out bookingDate)
            && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }

    public static string ForSync(Guid connectionKey, long seq) =>
        Encode($"s1|{connectionKey:N}|{seq.ToString(CultureInfo.InvariantCulture)}");

    public static bool TryReadSync(string cursor, Guid connectionKey, out long seq)
    {
        seq = 0;
        return Decode(cursor) is { Length: 3 } parts && parts[0] == "s1" && parts[1] == connectionKey.ToString("N")
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out seq);
    }

    private static string Encode(string position) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(position));

    private static string[]? Decode(string cursor)
    {
        if (cursor.Length is 0 or > MaxLength || !Base64Url.IsValid(cursor))
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('|');
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
