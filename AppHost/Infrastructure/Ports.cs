using System.Net;
using System.Net.Sockets;

namespace Finqware.AppHost.Infrastructure;

/// <summary>Free loopback TCP ports, handed out once per process so two resources never get the same one.</summary>
public static class Ports
{
    private static readonly HashSet<int> Handed = [];
    private static readonly Lock Gate = new();

    public static int Free()
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < 100; attempt++)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (Handed.Add(port))
                {
                    return port;
                }
            }

            throw new InvalidOperationException("No free loopback port found.");
        }
    }

    /// <summary>A run of <paramref name="count"/> consecutive free ports (RabbitMQ's CLI needs a range).</summary>
    public static int FreeRange(int count)
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var start = Random.Shared.Next(20000, 60000 - count);
                if (Enumerable.Range(start, count).All(p => !Handed.Contains(p) && IsFree(p)))
                {
                    foreach (var p in Enumerable.Range(start, count))
                    {
                        Handed.Add(p);
                    }

                    return start;
                }
            }

            throw new InvalidOperationException($"No run of {count} free loopback ports found.");
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
