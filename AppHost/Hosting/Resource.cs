using System.Diagnostics;

namespace Finqware.AppHost.Hosting;

public enum ResourceState
{
    NotStarted,
    Waiting,
    Starting,
    Running,
    Exited,
    Stopping,
    Stopped,
    Failed,
}

public enum ResourceHealth
{
    Unknown,
    Healthy,
    Unhealthy,
}

/// <summary>
/// Something the AppHost runs or provisions (a server, a database, a project), Aspire-style: it references other
/// resources, which decides the start order and the environment of the projects that reference it.
/// </summary>
public abstract class Resource(string name, string type)
{
    private TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name { get; } = name;

    public string Type { get; } = type;

    public ResourceState State { get; protected set; } = ResourceState.NotStarted;

    public ResourceHealth Health { get; protected set; } = ResourceHealth.Unknown;

    public int? Pid { get; protected set; }

    public DateTimeOffset? StartedAt { get; protected set; }

    public int RestartCount { get; protected set; }

    public string? LastError { get; protected set; }

    public List<Resource> References { get; } = [];

    public List<Resource> WaitsFor { get; } = [];

    public LogBuffer Logs { get; } = new();

    /// <summary>Completes when the resource is up and healthy for the first time.</summary>
    public Task Ready => ready.Task;

    /// <summary>Its addresses, for people (dashboard) and for references.</summary>
    public virtual IReadOnlyList<string> Endpoints => [];

    public IEnumerable<Resource> Dependencies => References.Concat(WaitsFor).Distinct();

    /// <summary>The environment a project referencing this resource gets.</summary>
    public virtual void AddReferenceEnvironment(IDictionary<string, string?> environment)
    {
    }

    public abstract Task StartAsync(HostContext context, CancellationToken cancellationToken);

    public abstract Task StopAsync();

    /// <summary>Pids whose process groups the pid registry records (so a crashed host's leftovers can be ended).</summary>
    public virtual IEnumerable<int> ProcessGroups => [];

    public virtual Task CheckHealthAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal void SetWaiting() => State = ResourceState.Waiting;

    protected void MarkReady()
    {
        State = ResourceState.Running;
        Health = ResourceHealth.Healthy;
        ready.TrySetResult();
    }

    protected void MarkFailed(Exception error)
    {
        State = ResourceState.Failed;
        Health = ResourceHealth.Unhealthy;
        LastError = error.Message;
        Logs.Append(error.Message, isError: true);
        ready.TrySetException(error);
    }

    protected void ResetReady()
    {
        if (ready.Task.IsCompleted)
        {
            ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>
    /// Starts a stopped resource again through <paramref name="start"/>: counted as a restart, ready (or failed) again after.
    /// </summary>
    protected async Task RestartWithAsync(HostContext context, Func<Task> start)
    {
        State = ResourceState.Starting;
        StartedAt = DateTimeOffset.UtcNow;
        RestartCount++;
        ResetReady();
        try
        {
            await start();
            MarkReady();
            context.Say($"{Name} started again (restart #{RestartCount})");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            MarkFailed(ex);
            throw;
        }
    }

    protected static string Elapsed(Stopwatch watch) => $"{watch.Elapsed.TotalSeconds:0.0} s";
}

/// <summary>What resources need from the host while starting.</summary>
public sealed class HostContext(FinqwareHostOptions options, PidRegistry pids, Action<string> say)
{
    public FinqwareHostOptions Options { get; } = options;

    public PidRegistry Pids { get; } = pids;

    public void Say(string line) => say(line);
}
