using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Finqware.AppHost.Dashboard;

/// <summary>A queue a resource consumes: messages waiting, consumers, and what its <c>_error</c> queue holds.</summary>
public sealed record QueueView(string Name, long Messages, long Consumers, string ErrorQueue, long ErrorMessages);

/// <summary>
/// Reads queue depths from the RabbitMQ management API and tells which resource consumes each queue: every service
/// names its broker connection after its resource (ServiceDefaults' <c>AddMessaging</c> sets MassTransit's connection
/// name to <c>OTEL_SERVICE_NAME</c>), so a queue belongs to the resource whose connection holds its consumers (a queue
/// whose consumer has gone keeps its last owner while the queue exists); an <c>_error</c> queue belongs with its queue.
/// Read at most every <paramref name="maxAge"/> (two seconds), whoever asks.
/// </summary>
public sealed class QueueDepths(Func<string?> managementUrl, TimeSpan? maxAge = null) : IDisposable
{
    private readonly TimeSpan maxAge = maxAge ?? TimeSpan.FromSeconds(2);
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(3) };
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<string, string> owners = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, IReadOnlyList<QueueView>> latest = new Dictionary<string, IReadOnlyList<QueueView>>();
    private DateTime readAt = DateTime.MinValue;

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<QueueView>>> ByResourceAsync(CancellationToken cancellationToken)
    {
        if (DateTime.UtcNow - readAt < maxAge || managementUrl() is not { } url)
        {
            return latest;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            if (DateTime.UtcNow - readAt >= maxAge)
            {
                latest = await ReadAsync(url, cancellationToken);
                readAt = DateTime.UtcNow;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The broker is restarting or busy: show what was read last.
            readAt = DateTime.UtcNow;
        }
        finally
        {
            gate.Release();
        }

        return latest;
    }

    public void Dispose()
    {
        http.Dispose();
        gate.Dispose();
    }

    private async Task<IReadOnlyDictionary<string, IReadOnlyList<QueueView>>> ReadAsync(string url, CancellationToken cancellationToken)
    {
        var connections = await GetAsync(url, "/api/connections?columns=name,user_provided_name", cancellationToken);
        var resourceOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var connection in connections.EnumerateArray())
        {
            if (connection.TryGetProperty("user_provided_name", out var provided) && provided.ValueKind == JsonValueKind.String)
            {
                resourceOf[connection.GetProperty("name").GetString()!] = provided.GetString()!;
            }
        }

        var depth = new Dictionary<string, (long Messages, long Consumers)>(StringComparer.Ordinal);
        foreach (var queue in (await GetAsync(url, "/api/queues?columns=name,messages,consumers,auto_delete", cancellationToken)).EnumerateArray())
        {
            if (queue.TryGetProperty("auto_delete", out var autoDelete) && autoDelete.ValueKind == JsonValueKind.True)
            {
                continue; // MassTransit's per-process bus queues
            }

            depth[queue.GetProperty("name").GetString()!] = (Number(queue, "messages"), Number(queue, "consumers"));
        }

        foreach (var consumer in (await GetAsync(url, "/api/consumers", cancellationToken)).EnumerateArray())
        {
            if (consumer.TryGetProperty("queue", out var queue) && queue.TryGetProperty("name", out var queueName)
                && consumer.TryGetProperty("channel_details", out var channel) && channel.ValueKind == JsonValueKind.Object
                && channel.TryGetProperty("connection_name", out var connectionName)
                && resourceOf.TryGetValue(connectionName.GetString() ?? "", out var resource)
                && depth.ContainsKey(queueName.GetString()!))
            {
                owners[queueName.GetString()!] = resource;
            }
        }

        // Queues that are gone (a deleted skill queue) are forgotten; per-process bus queues are never recorded.
        foreach (var gone in owners.Keys.Where(name => !depth.ContainsKey(name)).ToList())
        {
            owners.Remove(gone);
        }

        return depth.Keys
            .Where(name => !name.EndsWith("_error", StringComparison.Ordinal) && !name.EndsWith("_skipped", StringComparison.Ordinal) && owners.ContainsKey(name))
            .GroupBy(name => owners[name])
            .ToDictionary(
                g => g.Key,
                g => (IReadOnlyList<QueueView>)g.OrderBy(n => n, StringComparer.Ordinal).Select(name => new QueueView(
                    name, depth[name].Messages, depth[name].Consumers, name + "_error",
                    depth.TryGetValue(name + "_error", out var error) ? error.Messages : 0)).ToList(),
                StringComparer.Ordinal);
    }

    private async Task<JsonElement> GetAsync(string url, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url.TrimEnd('/') + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    private static long Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;
}
