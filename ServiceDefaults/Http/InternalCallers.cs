using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Finqware.ServiceDefaults.Http;

/// <summary>
/// Who may call a service's <c>/internal</c> routes (the gateway routes none of them): a caller that sends the shared
/// internal key in <see cref="KeyHeader"/>, compared in constant time; when no key is configured (one machine), loopback.
/// </summary>
public static class InternalCallers
{
    public const string KeyHeader = "X-Finqware-Internal-Key";

    public static bool IsInternal(HttpContext http, string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return http.Connection.RemoteIpAddress is null || IPAddress.IsLoopback(http.Connection.RemoteIpAddress);
        }

        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(http.Request.Headers[KeyHeader].ToString())),
            SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }
}
