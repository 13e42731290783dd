using System.Data.Common;
using System.Net.Sockets;

namespace Finqware.ServiceDefaults;

/// <summary>
/// Whether an exception means a dependency is away for now (the database restarting or failing over, a connection
/// dropped, a timeout) rather than a request or message that can never succeed. HTTP answers it with a 503 and
/// Retry-After; message consumers try again for minutes instead of seconds (MessagingExtensions).
/// </summary>
public static class TransientFailure
{
    public static bool Is(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                // Npgsql's exceptions say whether they are transient (a connection lost, the server starting or failing over).
                case DbException { IsTransient: true }:
                case TimeoutException:
                case SocketException:
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(Is):
                    return true;
            }
        }

        return false;
    }
}
