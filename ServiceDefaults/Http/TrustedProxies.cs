using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;

namespace Finqware.ServiceDefaults.Http;

/// <summary>
/// Who may tell a process the client's address in <c>X-Forwarded-For</c>: loopback (the gateway on one machine) and the
/// addresses or CIDR ranges in <c>ForwardedHeaders:TrustedProxies</c> (the Kubernetes ingress in front of the gateway; the
/// gateway's pods in front of the services). Only the last hop is taken (<c>ForwardLimit</c> 1), so a client that writes
/// its own <c>X-Forwarded-For</c> changes nothing: the trusted proxy appends the address it saw.
/// </summary>
public static class TrustedProxies
{
    public const string Section = "ForwardedHeaders:TrustedProxies";

    public static ForwardedHeadersOptions Options(IConfiguration configuration)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = 1,
        };
        foreach (var entry in configuration.GetSection(Section).GetChildren().Select(c => c.Value).OfType<string>())
        {
            if (System.Net.IPNetwork.TryParse(entry, out var network))
            {
                options.KnownIPNetworks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                options.KnownProxies.Add(address);
            }
            else
            {
                throw new InvalidOperationException($"{Section.Replace(":", "__", StringComparison.Ordinal)}: '{entry}' is neither an IP address nor a CIDR range.");
            }
        }

        return options;
    }
}
