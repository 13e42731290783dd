using System.Net;
using System.Net.Sockets;

namespace Finqware.AppHost.Infrastructure;

/// <summary>
/// Free loopback TCP ports, handed out once per process so two resources never get the same one. They are chosen
/// below the kernel's ephemeral range (<c>/proc/sys/net/ipv4/ip_local_port_range</c>, 32768-60999 by default), the
/// ports it gives the local end of every outgoing connection: a port from that range can be taken by any client on
/// the machine (a connection to PostgreSQL, a health probe) between the moment it is chosen and the moment the
/// resource binds it, and a service that cannot bind exits at start (Kestrel's "address already in use", exit 134).
/// </summary>
public static class Ports
{
    private const int Lowest = 20000;
    private static readonly HashSet<int> Handed = [];
    private static readonly Lock Gate = new();
    private static readonly int Highest = EphemeralStart() - 1;

    public static int Free() => FreeRange(1);

    /// <summary>A run of <paramref name="count"/> consecutive free ports (RabbitMQ's CLI needs a range).</summary>
    public static int FreeRange(int count)
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var start = Random.Shared.Next(Lowest, Highest - count + 2);
                if (Enumerable.Range(start, count).All(p => !Handed.Contains(p) && IsFree(p)))
                {
                    foreach (var p in Enumerable.Range(start, count))
                    {
                        Handed.Add(p);
                    }

                    return start;
                }
            }

            throw new InvalidOperationException($"No run of {count} free loopback ports found between {Lowest} and {Highest}.");
        }
    }

    /// <summary>The first port of the kernel's ephemeral range (Linux); 32768, its default, where it cannot be read.</summary>
    internal static int EphemeralStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.TryParse(range[0], System.Globalization.CultureInfo.InvariantCulture, out var start) && start > Lowest + 1000 ? start : 32768;
        }
        catch (IOException)
        {
            return 32768;
        }
        catch (UnauthorizedAccessException)
        {
            return 32768;
        }
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Marks a fixed port (5080, 18888) as taken by this process.</summary>
    public static void Reserve(int port)
    {
        lock (Gate)
        {
            Handed.Add(port);
        }
    }
}
