using Finqware.AppHost.Hosting;

namespace Finqware.AppHost.Infrastructure;

/// <summary>A server the AppHost runs as child processes of its own (<see cref="LocalPostgres"/>, <see cref="LocalRabbitMq"/>).</summary>
public interface ILocalServer
{
    /// <summary>Its processes, each named for the pid registry (the first is the server itself); empty until started.</summary>
    IReadOnlyList<(string Suffix, ChildProcess Process)> Processes { get; }

    Task StartAsync(CancellationToken cancellationToken);

    Task StopAsync();
}
