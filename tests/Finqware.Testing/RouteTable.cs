using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Finqware.AppHost.Hosting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;

namespace Finqware.Testing;

/// <summary>
/// docs/architecture.md's table "Routes: which service, which folder", compared with what a service maps: each route
/// the service describes (its OpenAPI operations) is a row of the table under that service, whose folder holds the
/// handler; each row of the table under that service is a route it maps; and the gateway sends the route's path to
/// that service (<c>Gateway/appsettings.json</c>).
/// </summary>
public static partial class RouteTable
{
    /// <summary>
    /// What differs between the table and <paramref name="endpoints"/>, the routes of <paramref name="service"/> (its
    /// cluster's name at the gateway); empty when they agree.
    /// </summary>
    public static IReadOnlyList<string> Differences(EndpointDataSource endpoints, string service)
    {
        var root = FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException("Finqware.sln not found above the test assembly.");
        var rows = Read(File.ReadAllText(Path.Combine(root, "docs", "architecture.md")));
        var gateway = GatewayRoutes(File.ReadAllText(Path.Combine(root, "Gateway", "appsettings.json")));
        var differences = new List<string>();

        var mapped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription == true
                || endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } methods)
            {
                continue;
            }

            var folder = Folder(endpoint.Metadata.OfType<MethodInfo>().FirstOrDefault());
            foreach (var route in methods.HttpMethods.Select(method => $"{method} {Template(endpoint.RoutePattern.RawText!)}"))
            {
                mapped.Add(route);
                if (!rows.TryGetValue(route, out var row))
                {
                    differences.Add($"{route}: mapped by {service}, missing from the table");
                }
                else if (row.Service != service)
                {
                    differences.Add($"{route}: mapped by {service}, the table says {row.Service}");
                }
                else if (row.Folder != folder)
                {
                    differences.Add($"{route}: its handler is in {folder}, the table says {row.Folder}");
                }
            }
        }

        foreach (var (route, row) in rows.Where(r => r.Value.Service == service))
        {
            if (!mapped.Contains(route))
            {
                differences.Add($"{route}: in the table under {service}, which does not map it");
            }

            var path = route[(route.IndexOf(' ', StringComparison.Ordinal) + 1)..];
            var cluster = gateway.FirstOrDefault(g => g.Matches(path)).Cluster;
            if (cluster != service)
            {
                differences.Add($"{route}: the gateway sends it to {cluster ?? "no service"}, the table says {service}");
            }
        }

        return differences;
    }

    /// <summary>
    /// The table's rows by route (<c>METHOD /path</c>). A route cell lists backticked routes; a bare method applies to
    /// the next path (<c>`GET`, `DELETE /tenants/{client_id}`</c>). The folder is the folder cell's first backticked path.
    /// </summary>
    public static Dictionary<string, (string Service, string Folder)> Read(string markdown)
    {
        var start = markdown.IndexOf("## Routes", StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException("docs/architecture.md has no section \"## Routes\".");
        }

        var rows = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var line in markdown[start..].Split('\n').SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2))
        {
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            var folder = Backticked().Match(cells[3]).Groups["text"].Value;
            var pending = new List<string>();
            foreach (var text in Backticked().Matches(cells[1]).Select(m => m.Groups["text"].Value))
            {
                var parts = text.Split(' ', 2);
                pending.Add(parts[0]);
                if (parts.Length == 2)
                {
                    foreach (var method in pending)
                    {
                        rows[$"{method} {parts[1]}"] = (cells[2], folder);
                    }

                    pending.Clear();
                }
            }
        }

        return rows;
    }

    /// <summary><c>/servicers/{servicer_id:guid}/tenants/</c> as the docs write it: <c>/servicers/{servicer_id}/tenants</c>.</summary>
    private static string Template(string raw) => "/" + Constraint().Replace(raw, "}").Trim('/');

    /// <summary><c>Finqware.TenantService.Tenants</c> → <c>TenantService/Tenants/</c>, from the handler's outermost type.</summary>
    private static string? Folder(MethodInfo? handler)
    {
        var type = handler?.DeclaringType;
        while (type?.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type?.Namespace is { } ns ? ns.Replace("Finqware.", "", StringComparison.Ordinal).Replace('.', '/') + "/" : null;
    }

    private static List<(string Cluster, Func<string, bool> Matches)> GatewayRoutes(string appsettings)
    {
        using var json = JsonDocument.Parse(appsettings, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var routes = new List<(string, Func<string, bool>)>();
        foreach (var route in json.RootElement.GetProperty("ReverseProxy").GetProperty("Routes").EnumerateObject())
        {
            var pattern = route.Value.GetProperty("Match").GetProperty("Path").GetString()!;
            var catchAll = pattern.IndexOf("/{**", StringComparison.Ordinal);
            var prefix = catchAll < 0 ? pattern : pattern[..catchAll];
            routes.Add((route.Value.GetProperty("ClusterId").GetString()!,
                path => catchAll < 0 ? path == prefix : path == prefix || path.StartsWith(prefix + "/", StringComparison.Ordinal)));
        }

        return routes;
    }

    [GeneratedRegex(@":[a-z]+}")]
    private static partial Regex Constraint();

    [GeneratedRegex("`(?<text>[^`]+)`")]
    private static partial Regex Backticked();
}
