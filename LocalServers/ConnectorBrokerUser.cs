using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Finqware.Contracts.Skills;

namespace Finqware.AppHost.Infrastructure;

/// <summary>
/// A connector's own RabbitMQ user and what it may touch (docs/security.md, "Connectors"): it declares, binds and reads
/// only its skills' queues (and their <c>_error</c>/<c>_skipped</c> queues), and publishes only the messages a connector
/// publishes (<see cref="ConnectorMessages"/>), each stamped with its user, which the broker validates. It cannot read
/// another connector's steps, send steps, or publish the services' events (tenants, skills registered).
/// </summary>
public sealed record ConnectorBrokerUser(string Name, string Provider, IReadOnlyList<string> Skills)
{
    /// <summary>RabbitMQ's three permission patterns (regular expressions over queue and exchange names).</summary>
    public (string Configure, string Write, string Read) Permissions
    {
        get
        {
            var queues = Skills.Select(SkillQueues.For).Select(q => Regex.Escape(q) + "(_error|_skipped)?").ToList();
            // A consumer's failure publishes a Fault<ProcessStep> (MassTransit's fault events): nobody consumes them.
            var exchanges = ConnectorMessages.Published.Select(t => Regex.Escape(ConnectorMessages.Exchange(t)))
                .Append("MassTransit:Fault(--.*--)?").ToList();
            var own = Pattern(queues);
            var published = Pattern([.. queues, .. exchanges]);
            return (published, published, own);
        }
    }

    /// <summary>A client of the management API at <paramref name="managementUri"/>, signed in as <paramref name="adminUser"/>.</summary>
    public static HttpClient Management(Uri managementUri, string adminUser, string adminPassword)
    {
        var management = new HttpClient { BaseAddress = managementUri, Timeout = TimeSpan.FromSeconds(30) };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{adminUser}:{adminPassword}")));
        return management;
    }

    /// <summary>The same with a management client already signed in as an administrator.</summary>
    public async Task CreateAsync(HttpClient management, string virtualHost, string password, CancellationToken cancellationToken)
    {
        using (var user = await management.PutAsJsonAsync($"api/users/{Uri.EscapeDataString(Name)}", new { password, tags = "" }, cancellationToken))
        {
            user.EnsureSuccessStatusCode();
        }

        var (configure, write, read) = Permissions;
        using var grant = await management.PutAsJsonAsync(
            $"api/permissions/{Uri.EscapeDataString(virtualHost)}/{Uri.EscapeDataString(Name)}", new { configure, write, read }, cancellationToken);
        grant.EnsureSuccessStatusCode();
    }

    /// <summary>The <c>amqp://</c> URI of this user on the broker of <paramref name="brokerUri"/> (its host, port and virtual host).</summary>
    public string ConnectionString(string brokerUri, string password)
    {
        var uri = new Uri(brokerUri);
        var path = uri.AbsolutePath == "/" ? "" : uri.AbsolutePath;
        return $"{uri.Scheme}://{Uri.EscapeDataString(Name)}:{Uri.EscapeDataString(password)}@{uri.Host}:{uri.Port}{path}";
    }

    /// <summary>
    /// Tags a service's broker user <c>impersonator</c>: a service moves a message it could not take to an
    /// <c>_error</c> or <c>_skipped</c> queue with the message's properties, the connector's <c>user_id</c> among them,
    /// which the broker allows only to an impersonator. Connectors never get the tag.
    /// </summary>
    public static async Task AllowServiceToMoveMessagesAsync(HttpClient management, string user, string password, CancellationToken cancellationToken)
    {
        using var response = await management.PutAsJsonAsync(
            $"api/users/{Uri.EscapeDataString(user)}", new { password, tags = "administrator,impersonator" }, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private static string Pattern(IEnumerable<string> alternatives) => $"^({string.Join('|', alternatives)})$";
}
