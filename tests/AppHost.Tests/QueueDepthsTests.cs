using Finqware.AppHost.Dashboard;
using Finqware.AppHost.Infrastructure;

namespace Finqware.AppHost.Tests;

/// <summary>
/// Queue depths read from a stand-in for RabbitMQ's management API: which resource owns which queue, and that what the
/// dashboard remembers about queues stays as small as the broker's list of queues.
/// </summary>
public sealed class QueueDepthsTests : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly string url;
    private string connections = "[]";
    private string queues = "[]";
    private string consumers = "[]";

    public QueueDepthsTests()
    {
        url = $"http://127.0.0.1:{Ports.Free()}/";
        listener.Prefixes.Add(url);
        listener.Start();
        _ = ServeAsync();
    }

    [Fact]
    public async Task A_queue_belongs_to_the_resource_whose_connection_consumes_it_and_its_error_queue_comes_with_it()
    {
        using var depths = new QueueDepths(() => url, TimeSpan.Zero);
        Broker(queues: [("skill-a", 3, 1, false), ("skill-a_error", 2, 0, false), ("bus-xyz", 0, 1, true)],
            consumers: [("skill-a", "conn-1"), ("bus-xyz", "conn-1")]);

        var byResource = await depths.ByResourceAsync(TestContext.Current.CancellationToken);

        var view = Assert.Single(Assert.Single(byResource, r => r.Key == "sandbox-bank").Value);
        Assert.Equal(new QueueView("skill-a", 3, 1, "skill-a_error", 2), view);
    }

    [Fact]
    public async Task A_queue_that_is_deleted_is_forgotten_so_it_comes_back_without_an_owner()
    {
        using var depths = new QueueDepths(() => url, TimeSpan.Zero);
        Broker(queues: [("skill-a", 0, 1, false)], consumers: [("skill-a", "conn-1")]);
        Assert.Contains("sandbox-bank", (await depths.ByResourceAsync(TestContext.Current.CancellationToken)).Keys);

        // Its consumer stops: the queue keeps its last owner while it exists.
        Broker(queues: [("skill-a", 4, 0, false)], consumers: []);
        Assert.Equal(4, (await depths.ByResourceAsync(TestContext.Current.CancellationToken))["sandbox-bank"][0].Messages);

        // Deleted, then declared again by something else that has not consumed yet: nobody owns it.
        Broker(queues: [], consumers: []);
        Assert.Empty(await depths.ByResourceAsync(TestContext.Current.CancellationToken));
        Broker(queues: [("skill-a", 1, 0, false)], consumers: []);
        Assert.Empty(await depths.ByResourceAsync(TestContext.Current.CancellationToken));
    }

    public void Dispose() => listener.Close();

    private void Broker((string Name, int Messages, int Consumers, bool AutoDelete)[] queues, (string Queue, string Connection)[] consumers)
    {
        connections = """[{"name":"conn-1","user_provided_name":"sandbox-bank"}]""";
        this.queues = "[" + string.Join(",", queues.Select(q =>
            $$"""{"name":"{{q.Name}}","messages":{{q.Messages}},"consumers":{{q.Consumers}},"auto_delete":{{(q.AutoDelete ? "true" : "false")}}}""")) + "]";
        this.consumers = "[" + string.Join(",", consumers.Select(c =>
            $$$"""{"queue":{"name":"{{{c.Queue}}}"},"channel_details":{"connection_name":"{{{c.Connection}}}"}}""")) + "]";
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var path = context.Request.Url!.AbsolutePath;
            var body = Encoding.UTF8.GetBytes(path switch
            {
                "/api/connections" => connections,
                "/api/queues" => queues,
                "/api/consumers" => consumers,
                _ => "[]",
            });
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }
}
