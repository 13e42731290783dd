using System.Net;
using System.Net.Sockets;

namespace Finqware.ServiceDefaults.Http;

/// <summary>
/// Where webhooks may go (docs/security.md, "Webhook URLs"): <c>https</c> to a public address. While developing (the
/// AppHost, the tests) loopback too, over plain <c>http</c> as well; never a private, link-local or otherwise non-public
/// address, whether the URL names it or its host name resolves to it. TenantService checks the URL when it is set,
/// SessionService again at every delivery, on the address it actually connects to (<see cref="ConnectAsync"/>), so a
/// name that resolves elsewhere later (DNS rebinding) is refused too.
/// </summary>
public static class WebhookTargets
{
    public const int MaxLength = 2048;

    /// <summary>Why <paramref name="url"/> cannot receive webhooks, or null when it can (what the URL itself says; the address it resolves to is checked at delivery).</summary>
    public static string? Refusal(string url, bool development)
    {
        if (url.Length > MaxLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return $"An absolute https:// URL of at most {MaxLength} characters.";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "No user name or password in the URL.";
        }

        var loopback = IsLoopbackName(uri);
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && development && loopback))
        {
            return development
                ? "An https:// URL (plain http:// only to a loopback address, while developing)."
                : "An https:// URL.";
        }

        var literal = IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address);
        if (development ? literal && !Allowed(address!, development) : loopback || (literal && !IsPublic(address!)))
        {
            return development
                ? "A public or loopback address: private and link-local addresses cannot receive webhooks."
                : "A public address: private, loopback and link-local addresses cannot receive webhooks.";
        }

        return null;
    }

    /// <summary>True for an address on the public internet (not private, loopback, link-local, shared, multicast, reserved or unspecified).</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0                                   // 0.0.0.0/8 "this network"
                || b[0] == 10                                    // 10.0.0.0/8 private
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)    // 100.64.0.0/10 shared (carrier-grade NAT)
                || b[0] == 127                                   // loopback
                || (b[0] == 169 && b[1] == 254)                  // link-local (cloud metadata services)
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)     // 172.16.0.0/12 private
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)       // 192.0.0.0/24 protocol assignments
                || (b[0] == 192 && b[1] == 168)                  // 192.168.0.0/16 private
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19))   // 198.18.0.0/15 benchmarking
                || b[0] >= 224);                                 // multicast and reserved
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)); // 2001:db8::/32 documentation
        }

        return false;
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves the host and connects only to an address webhooks may
    /// go to (outside development, a public one), so the check holds for the address actually used.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool development, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(a => Allowed(a, development)).ToList();
        if (allowed.Count == 0)
        {
            throw new WebhookTargetRefusedException($"{host} resolves to no public address{(development ? " (nor loopback)" : "")}: private and link-local addresses cannot receive webhooks.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync([.. allowed], context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static bool Allowed(IPAddress address, bool development) =>
        IsPublic(address) || (development && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address));

    private static bool IsLoopbackName(Uri uri) =>
        uri.IsLoopback || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || uri.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A webhook URL whose host resolves only to addresses webhooks may not go to.</summary>
public sealed class WebhookTargetRefusedException(string message) : HttpRequestException(message);
