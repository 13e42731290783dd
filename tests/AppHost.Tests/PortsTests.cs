using System.Net;
using System.Net.Sockets;
using Finqware.AppHost.Infrastructure;

namespace Finqware.AppHost.Tests;

/// <summary>The ports the AppHost hands out are ones no outgoing connection can take before the resource binds them.</summary>
public sealed class PortsTests
{
    [Fact]
    public void Free_ports_lie_below_the_kernels_ephemeral_range_and_are_never_handed_out_twice()
    {
        var ephemeralStart = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        var ports = Enumerable.Range(0, 50).Select(_ => Ports.Free()).Append(Ports.FreeRange(10)).ToList();

        Assert.Equal(ephemeralStart, Ports.EphemeralStart());
        Assert.All(ports, p => Assert.InRange(p, 20000, ephemeralStart - 1));
        Assert.InRange(ports[^1] + 9, 20000, ephemeralStart - 1);
        Assert.Equal(ports.Count, ports.Distinct().Count());
    }

    [Fact]
    public void The_local_port_of_an_outgoing_connection_is_in_the_ephemeral_range_and_cannot_be_bound()
    {
        // What made a service exit at start with "address already in use" (134) when its port came from that range.
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        using var client = new TcpClient();
        client.Connect((IPEndPoint)server.LocalEndpoint);
        var local = ((IPEndPoint)client.Client.LocalEndPoint!).Port;

        Assert.True(local >= Ports.EphemeralStart(), $"local port {local}");
        Assert.False(Ports.IsFree(local));
    }
}
