using System.Diagnostics;
using Finqware.AppHost.Infrastructure;

namespace Finqware.AppHost.Hosting;

/// <summary>
/// A Node tool of the repository run as an HTTP server (<see cref="LocalNodeTool"/>), such as the <c>bank-mock</c> (Stoplight Prism
/// serving the Berlin Group specification). Referencing it sets <c>services__{name}__http__0</c>, so a project reaches it as
/// <c>http://{name}</c> through service discovery; healthy while it answers HTTP.
/// </summary>
public sealed class NodeResource(string name, Func<string, int, Action<string, bool>, LocalNodeTool> create) : Resource(name, "node")
{
    private LocalNodeTool? tool;
    private HostContext? context;

    public string? Url => tool?.Url;

    public override IReadOnlyList<string> Endpoints => tool is null ? [] : [tool.Url];

    public override IEnumerable<int> ProcessGroups => tool?.Process is { HasExited: false } p ? [p.ProcessGroup] : [];

    public override void AddReferenceEnvironment(IDictionary<string, string?> environment) =>
        environment[ResourceEnvironment.ServiceEndpoint(Name)] = Url;

    public override async Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        this.context = context;
        var watch = Stopwatch.StartNew();
        State = ResourceState.Starting;
        StartedAt = DateTimeOffset.UtcNow;
        try
        {
            tool = create(context.Options.RepositoryRoot, Ports.Free(), Logs.Append);
            Ports.Reserve(tool.Port);
            context.Say($"starting {Name} ({tool.Tool})…");
            await tool.StartAsync(context.Options.StartTimeout, cancellationToken);
            Pid = tool.Process!.Pid;
            context.Pids.Record(Name, tool.Process.ProcessGroup);
            MarkReady();
            context.Say($"{Name} ready in {Elapsed(watch)} at {tool.Url}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            MarkFailed(ex);
            throw;
        }
    }

    public override async Task StopAsync()
    {
        if (tool is not null)
        {
            State = ResourceState.Stopping;
            await tool.DisposeAsync();
            context?.Pids.Forget(Name);
        }

        State = ResourceState.Stopped;
        Health = ResourceHealth.Unknown;
        Pid = null;
    }

    public override async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        if (State != ResourceState.Running || tool is null)
        {
            return;
        }

        Health = tool.Process is { HasExited: false } && await tool.AnswersAsync(cancellationToken) ? ResourceHealth.Healthy : ResourceHealth.Unhealthy;
    }
}
