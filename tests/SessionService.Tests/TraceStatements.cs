using System.Diagnostics;

namespace Finqware.SessionService.Tests;

/// <summary>
/// Records the SQL statements run in one trace (Npgsql's activities), in the order they finish, for tests that count
/// what a request or a consumer does in the database. The trace is this recorder's: send it as <see cref="TraceParent"/>
/// or start work inside an activity from <see cref="Start"/>. Statements run inside a MassTransit consumer are marked as such.
/// </summary>
internal sealed class TraceStatements : IDisposable
{
    private readonly ActivitySource source = new("Finqware.SessionService.Tests.Trace");
    private readonly ActivityListener listener;
    private readonly ConcurrentQueue<(string Sql, bool InConsumer)> statements = new();
    private readonly TaskCompletionSource consumed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TraceStatements()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Npgsql" or "MassTransit" || s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public ActivityTraceId Trace { get; } = ActivityTraceId.CreateRandom();

    /// <summary>A W3C <c>traceparent</c> header value in this trace.</summary>
    public string TraceParent => $"00-{Trace}-{ActivitySpanId.CreateRandom()}-01";

    /// <summary>Every statement so far, whitespace trimmed.</summary>
    public IReadOnlyList<string> All => [.. statements.Select(s => s.Sql)];

    /// <summary>The statements run inside a consumer.</summary>
    public IReadOnlyList<string> InConsumers => [.. statements.Where(s => s.InConsumer).Select(s => s.Sql)];

    /// <summary>Completes when a consumer's activity in this trace has finished.</summary>
    public Task Consumed => consumed.Task;

    /// <summary>An activity in this trace: what runs inside it (a publish) carries the trace on.</summary>
    public Activity Start() => source.StartActivity("test", ActivityKind.Internal, new ActivityContext(Trace, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded))!;

    public void Dispose()
    {
        listener.Dispose();
        source.Dispose();
    }

    private void Stopped(Activity activity)
    {
        if (activity.TraceId != Trace)
        {
            return;
        }

        if (activity.Source.Name == "Npgsql" && activity.GetTagItem("db.query.text") is string sql)
        {
            statements.Enqueue((sql.TrimStart(), InConsumer(activity)));
        }
        else if (activity.Source.Name == "MassTransit" && activity.Kind == ActivityKind.Consumer)
        {
            consumed.TrySetResult();
        }
    }

    private static bool InConsumer(Activity activity)
    {
        for (var parent = activity.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent.Source.Name == "MassTransit" && parent.Kind == ActivityKind.Consumer)
            {
                return true;
            }
        }

        return false;
    }
}
