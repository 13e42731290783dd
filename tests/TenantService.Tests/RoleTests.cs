using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Finqware.TenantService.Tests;

/// <summary>
/// Every management route (portal token) called by an admin, a developer and a viewer of the servicer: the roles the
/// route admits succeed, the others get 403 ROLE_NOT_ALLOWED. The table below is the whole of it: a route that requires
/// a portal token and is missing from it fails <see cref="Every_portal_route_is_in_the_table_and_in_the_docs"/>, as does a
/// row of docs/tenants.md that says otherwise.
/// </summary>
public sealed partial class RoleTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private const string Admin = "admin";
    private const string Developer = "developer";
    private const string Viewer = "viewer";

    /// <summary>Route (method and template as docs/tenants.md writes it) → the roles it admits, and what a call needs.</summary>
    private static readonly Dictionary<string, (string[] Allowed, Func<Team, Task<(string Path, object? Body)>> Prepare)> Routes = new()
    {
        ["GET /servicers/{servicer_id}/users"] = ([Admin, Developer, Viewer], t => Call($"/servicers/{t.ServicerId}/users")),
        ["POST /servicers/{servicer_id}/users"] = ([Admin], t => Call($"/servicers/{t.ServicerId}/users",
            new { email = $"u-{Guid.NewGuid():N}@example.com", password = TenantServiceHost.TestPassword, role = Viewer })),
        ["PATCH /servicers/{servicer_id}/users/{user_id}"] = ([Admin], async t => ($"/servicers/{t.ServicerId}/users/{await t.NewUserAsync(Developer)}", new { role = Viewer })),
        ["DELETE /servicers/{servicer_id}/users/{user_id}"] = ([Admin], async t => ($"/servicers/{t.ServicerId}/users/{await t.NewUserAsync(Viewer)}", null)),
        ["GET /servicers/{servicer_id}/audit-events"] = ([Admin], t => Call($"/servicers/{t.ServicerId}/audit-events")),
        ["POST /servicers/{servicer_id}/tenants"] = ([Admin, Developer], t => Call($"/servicers/{t.ServicerId}/tenants",
            new { name = "Wallet", environment = "sandbox", skills = Array.Empty<string>() })),
        ["GET /servicers/{servicer_id}/tenants"] = ([Admin, Developer, Viewer], t => Call($"/servicers/{t.ServicerId}/tenants")),
        ["GET /servicers/{servicer_id}/usage"] = ([Admin, Developer, Viewer], t => Call($"/servicers/{t.ServicerId}/usage")),
        ["GET /tenants/{client_id}"] = ([Admin, Developer, Viewer], async t => ($"/tenants/{await t.NewTenantAsync()}", null)),
        ["PATCH /tenants/{client_id}"] = ([Admin, Developer], async t => ($"/tenants/{await t.NewTenantAsync()}", new { allowed_origins = new[] { "https://wallet.example" } })),
        ["PUT /tenants/{client_id}/skills"] = ([Admin, Developer], async t => ($"/tenants/{await t.NewTenantAsync()}/skills", new { skills = new[] { "xyz_aisp_sbx_#1.0" } })),
        ["DELETE /tenants/{client_id}"] = ([Admin], async t => ($"/tenants/{await t.NewTenantAsync()}", null)),
        ["POST /tenants/{client_id}/keys/rotate"] = ([Admin], async t => ($"/tenants/{await t.NewTenantAsync()}/keys/rotate", new { key = "secret" })),
        ["POST /tenants/{client_id}/keys/revoke"] = ([Admin], async t => ($"/tenants/{await t.NewTenantAsync()}/keys/revoke", new { key = "app_key" })),
    };

    private TenantServiceHost host = null!;
    private Team team = null!;

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var route in Routes.Keys)
        {
            foreach (var role in new[] { Admin, Developer, Viewer })
            {
                cases.Add(route, role);
            }
        }

        return cases;
    }

    public async ValueTask InitializeAsync()
    {
        host = await TenantServiceHost.StartAsync(postgres, rabbit);
        team = await Team.CreateAsync(host);
    }

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_role_does_what_the_table_allows_and_nothing_else(string route, string role)
    {
        var (allowed, prepare) = Routes[route];
        var (path, body) = await prepare(team);

        using var response = await host.SendAsync(new HttpMethod(route.Split(' ')[0]), path, team.Tokens[role], body);

        var text = await response.Content.ReadAsStringAsync();
        if (allowed.Contains(role))
        {
            Assert.True(response.IsSuccessStatusCode, $"{role} {route}: expected success, got {(int)response.StatusCode} {text}");
        }
        else
        {
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{role} {route}: expected 403, got {(int)response.StatusCode} {text}");
            Assert.Equal("ROLE_NOT_ALLOWED", JsonSerializer.Deserialize<JsonElement>(text).GetProperty("code").GetString());
        }
    }

    [Fact]
    public void Every_portal_route_is_in_the_table_and_in_the_docs()
    {
        var portalRoutes = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.OfType<ApiSecurityMetadata>().LastOrDefault()?.Alternatives.Contains(ApiSecurity.PortalToken) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {Template(e.RoutePattern.RawText!)}"))
            .ToHashSet();
        Assert.Equal(portalRoutes.Order(), Routes.Keys.Order());

        // docs/tenants.md, "Roles": | `METHOD /path` | admin | developer | viewer |, a ✓ where the role may.
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "tenants.md"));
        var rows = DocsRow().Matches(docs).ToDictionary(
            m => m.Groups["route"].Value,
            m => new[] { Admin, Developer, Viewer }.Where((_, i) => m.Groups["cell"].Captures[i].Value.Contains('✓', StringComparison.Ordinal)).ToArray());
        Assert.Equal(Routes.Keys.Order(), rows.Keys.Order());
        Assert.All(Routes, route => Assert.Equal(route.Value.Allowed, rows[route.Key]));
    }

    [Fact]
    public void Every_route_is_in_the_architecture_table_under_tenants_with_the_folder_of_its_handler() =>
        Assert.Empty(RouteTable.Differences(host.Services.GetRequiredService<EndpointDataSource>(), "tenants"));

    [Fact]
    public async Task A_new_role_takes_effect_at_the_next_request_and_a_removed_users_token_stops_working()
    {
        var userId = await team.NewUserAsync(Admin, out var email);
        var token = await team.LoginAsync(email);
        using (var before = await host.SendAsync(HttpMethod.Get, $"/servicers/{team.ServicerId}/audit-events", token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await host.SendAsync(HttpMethod.Patch, $"/servicers/{team.ServicerId}/users/{userId}", team.Tokens[Admin], new { role = Viewer });
        using (var demoted = await host.SendAsync(HttpMethod.Get, $"/servicers/{team.ServicerId}/audit-events", token))
        {
            Assert.Equal(HttpStatusCode.Forbidden, demoted.StatusCode);
        }

        await host.SendAsync(HttpMethod.Delete, $"/servicers/{team.ServicerId}/users/{userId}", team.Tokens[Admin]);
        using var removed = await host.SendAsync(HttpMethod.Get, $"/servicers/{team.ServicerId}/tenants", token);
        Assert.Equal(HttpStatusCode.Unauthorized, removed.StatusCode);
        Assert.Equal("INVALID_TOKEN", (await removed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_last_admin_can_be_neither_demoted_nor_removed()
    {
        var (servicerId, token) = await host.NewServicerAsync();
        var users = await (await host.SendAsync(HttpMethod.Get, $"/servicers/{servicerId}/users", token)).Content.ReadFromJsonAsync<JsonElement>();
        var self = users[0].GetProperty("user_id").GetString();

        using var demote = await host.SendAsync(HttpMethod.Patch, $"/servicers/{servicerId}/users/{self}", token, new { role = Developer });
        using var remove = await host.SendAsync(HttpMethod.Delete, $"/servicers/{servicerId}/users/{self}", token);

        Assert.Equal(HttpStatusCode.Conflict, demote.StatusCode);
        Assert.Equal("LAST_ADMIN", (await demote.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Conflict, remove.StatusCode);
    }

    private static Task<(string Path, object? Body)> Call(string path, object? body = null) => Task.FromResult((path, body));

    private static string Template(string raw) => "/" + ConstraintPattern().Replace(raw, "}").Trim('/');

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Finqware.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Finqware.sln not found above the test assembly.");
    }

    [GeneratedRegex(@":[a-z]+}")]
    private static partial Regex ConstraintPattern();

    [GeneratedRegex(@"^\| `(?<route>(GET|POST|PUT|PATCH|DELETE) /[^`]+)` (\|(?<cell>[^|\n]*)){3}\|", RegexOptions.Multiline)]
    private static partial Regex DocsRow();

    /// <summary>A servicer with one user of each role, each logged in.</summary>
    private sealed class Team(TenantServiceHost host, string servicerId)
    {
        public string ServicerId { get; } = servicerId;

        public Dictionary<string, string> Tokens { get; } = [];

        public static async Task<Team> CreateAsync(TenantServiceHost host)
        {
            var (servicerId, adminToken) = await host.NewServicerAsync();
            var team = new Team(host, servicerId);
            team.Tokens[Admin] = adminToken;
            foreach (var role in new[] { Developer, Viewer })
            {
                await team.NewUserAsync(role, out var email);
                team.Tokens[role] = await team.LoginAsync(email);
            }

            return team;
        }

        public Task<string> NewUserAsync(string role) => NewUserAsync(role, out _);

        public Task<string> NewUserAsync(string role, out string email)
        {
            email = $"{role}-{Guid.NewGuid():N}@example.com";
            return AddAsync(role, email);
        }

        public async Task<string> LoginAsync(string email) =>
            (await host.PostJsonAsync("/auth/token", new { email, password = TenantServiceHost.TestPassword })).GetProperty("access_token").GetString()!;

        public async Task<string> NewTenantAsync() =>
            Uri.EscapeDataString((await host.NewTenantAsync(ServicerId, Tokens[Admin])).GetProperty("client_id").GetString()!);

        private async Task<string> AddAsync(string role, string email) =>
            (await host.PostJsonAsync($"/servicers/{ServicerId}/users", new { email, password = TenantServiceHost.TestPassword, role }, Tokens[Admin], 201))
                .GetProperty("user_id").GetString()!;
    }
}
