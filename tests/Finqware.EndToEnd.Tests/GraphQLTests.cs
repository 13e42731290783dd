using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// <c>/graphql</c> on the booted system, against the real catalog and SessionService: skills and a completed session read
/// through GraphQL are the REST answers field for field; the REST authorization applies (no token, another tenant);
/// over-deep queries are refused; and docs/graphql.md runs as written.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed partial class GraphQLTests(SystemFixture system)
{
    private const string Skill = "example_echo_sbx_#1.0";

    private const string SkillFields = """
        skill_id provider display_name description type flavor version status instances
        steps { name description data_schema uploads { kind content_types max_bytes required } async } data_products
        """;

    private const string SessionQuery = """
        query Session($id: ID!) {
          session(session_id: $id) {
            session_id client_id skill status next_step created_at updated_at expires_at
            steps { step_id step number status action result error { code message }
                    attachments { attachment_id kind content_type size sha256 } missing_uploads created_at updated_at }
          }
        }
        """;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Skills_through_graphql_equal_get_skills()
    {
        var rest = await system.Gateway.GetFromJsonAsync<JsonNode>("/skills", Cancel);
        var (status, graph) = await QueryAsync(system.Gateway, $"{{ skills {{ {SkillFields} }} }}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(graph.ContainsKey("errors"), graph.ToJsonString());
        Assert.NotEmpty(rest!["skills"]!.AsArray());
        Assert.True(JsonNode.DeepEquals(rest["skills"], WithoutNulls(graph["data"]!["skills"])), $"REST: {rest.ToJsonString()}\nGraphQL: {graph.ToJsonString()}");

        var restOne = await system.Gateway.GetFromJsonAsync<JsonNode>("/skills/" + Uri.EscapeDataString(Skill), Cancel);
        var (_, graphOne) = await QueryAsync(system.Gateway, $"query One($id: ID!) {{ skill(skill_id: $id) {{ {SkillFields} }} }}", new { id = Skill });
        Assert.True(JsonNode.DeepEquals(restOne, WithoutNulls(graphOne["data"]!["skill"])), graphOne.ToJsonString());

        var restFiltered = await system.Gateway.GetFromJsonAsync<JsonNode>("/skills?type=marketplace&flavor=sandbox", Cancel);
        var (_, graphFiltered) = await QueryAsync(system.Gateway, $"{{ skills(type: \"marketplace\", flavor: \"sandbox\") {{ {SkillFields} }} }}");
        Assert.True(JsonNode.DeepEquals(restFiltered!["skills"], WithoutNulls(graphFiltered["data"]!["skills"])));
    }

    [Fact]
    public async Task A_session_read_through_graphql_equals_get_sessions_id()
    {
        var demo = await TenantAsync();
        var sessionId = await CompletedSessionAsync(demo);
        using var server = await ServerClientAsync(demo.ClientId, demo.Secret);

        var rest = await server.GetFromJsonAsync<JsonNode>($"/sessions/{sessionId}", Cancel);
        var (status, graph) = await QueryAsync(server, SessionQuery, new { id = sessionId });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(graph.ContainsKey("errors"), graph.ToJsonString());
        Assert.Equal("Hello, Ana!", rest!["steps"]![0]!["result"]!["greeting"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(rest, WithoutNulls(graph["data"]!["session"])), $"REST: {rest.ToJsonString()}\nGraphQL: {graph.ToJsonString()}");
    }

    [Fact]
    public async Task Without_a_token_a_session_is_null_with_unauthorized_and_skills_still_answer()
    {
        var demo = await TenantAsync();
        var sessionId = (await OpenSessionAsync(demo.ClientId, demo.AppKey))["session_id"]!.GetValue<string>();

        var (status, graph) = await QueryAsync(system.Gateway, "query S($id: ID!) { session(session_id: $id) { status } skills { skill_id } }", new { id = sessionId });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Null(graph["data"]!["session"]);
        Assert.NotEmpty(graph["data"]!["skills"]!.AsArray());
        var error = Assert.Single(graph["errors"]!.AsArray())!;
        Assert.Equal("UNAUTHORIZED", error["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal("""["session"]""", error["path"]!.ToJsonString());
    }

    [Fact]
    public async Task Another_tenants_session_is_null_with_not_found()
    {
        var demo = await TenantAsync();
        var sessionId = (await OpenSessionAsync(demo.ClientId, demo.AppKey))["session_id"]!.GetValue<string>();
        var other = await TenantAsync();
        using var otherServer = await ServerClientAsync(other.ClientId, other.Secret);

        // SessionService learns of the new tenant from TenantUpserted: until then its token is refused (UNAUTHORIZED).
        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonObject graph;
        while (true)
        {
            (_, graph) = await QueryAsync(otherServer, "query S($id: ID!) { session(session_id: $id) { status } }", new { id = sessionId });
            if (Code(graph) != "UNAUTHORIZED" || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(250, Cancel);
        }

        Assert.Null(graph["data"]!["session"]);
        Assert.Equal("NOT_FOUND", Code(graph));
        Assert.Equal("SESSION_NOT_FOUND", graph["errors"]![0]!["extensions"]!["problem_code"]!.GetValue<string>());
        var (_, unknown) = await QueryAsync(otherServer, "query S($id: ID!) { session(session_id: $id) { status } }", new { id = Guid.NewGuid() });
        Assert.Equal(graph["errors"]![0]!["message"]!.GetValue<string>(), unknown["errors"]![0]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_client_app_onboards_through_mutations_and_the_server_acts_on_connections_with_rest_authorisation()
    {
        var demo = await TenantAsync();
        await OpenSessionAsync(demo.ClientId, demo.AppKey); // the tenant and the skill are known to SessionService

        var (status, opened) = await QueryAsync(system.Gateway, """
            mutation Open($client: String!, $key: String!, $skill: String!) {
              open_session(client_id: $client, client_app_key: $key, skill: $skill) { session_id nonce status next_step expires_at }
            }
            """, new { client = demo.ClientId, key = demo.AppKey, skill = Skill });
        Assert.Equal(HttpStatusCode.OK, status);
        var session = opened["data"]!["open_session"]!;
        Assert.Equal("SESSION_CREATED", session["status"]!.GetValue<string>());

        var (_, submitted) = await QueryAsync(system.Gateway, """
            mutation Submit($session: ID!, $client: String!, $nonce: String!, $skill: String!) {
              submit_step(session_id: $session, client_id: $client, nonce: $nonce, skill: $skill, step: "greeting", data: { name: "Ana" }) { step_id nonce status }
            }
            """, new { session = session["session_id"]!.GetValue<string>(), client = demo.ClientId, nonce = session["nonce"]!.GetValue<string>(), skill = Skill });
        Assert.Equal("SUBMITTED", submitted["data"]!["submit_step"]!["status"]!.GetValue<string>());

        // The nonce is used up: the REST refusal, with its code.
        var (_, replayed) = await QueryAsync(system.Gateway, """
            mutation Again($session: ID!, $client: String!, $nonce: String!, $skill: String!) {
              submit_step(session_id: $session, client_id: $client, nonce: $nonce, skill: $skill, step: "greeting", data: { name: "Ana" }) { step_id }
            }
            """, new { session = session["session_id"]!.GetValue<string>(), client = demo.ClientId, nonce = session["nonce"]!.GetValue<string>(), skill = Skill });
        Assert.Equal("NONCE_ALREADY_USED", replayed["errors"]![0]!["extensions"]!["problem_code"]?.GetValue<string>() ?? replayed.ToJsonString());

        // Another session, cancelled by the client app with its app key (Basic), as REST allows.
        var other = await OpenSessionAsync(demo.ClientId, demo.AppKey);
        using var app = ContractChecked.Client(system.Gateway.BaseAddress!);
        app.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{demo.ClientId}:{demo.AppKey}")));
        var (_, cancelled) = await QueryAsync(app, "mutation C($id: ID!) { cancel_session(session_id: $id) { status } }", new { id = other["session_id"]!.GetValue<string>() });
        Assert.Equal("CANCELLED", cancelled["data"]!["cancel_session"]!["status"]!.GetValue<string>());

        // Connections are the server's: without a token, UNAUTHORIZED; with one, another tenant's id is not found.
        var (_, anonymous) = await QueryAsync(system.Gateway, "mutation { revoke_connection(connection_id: \"con_nope\") }");
        Assert.Equal("UNAUTHORIZED", anonymous["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        using var server = await ServerClientAsync(demo.ClientId, demo.Secret);
        var (_, unknown) = await QueryAsync(server, """
            mutation { refresh_connection(connection_id: "con_nope") { status } sync_transactions(connection_id: "con_nope") { next_cursor } }
            """);
        Assert.All(unknown["errors"]!.AsArray(), e => Assert.Equal("CONNECTION_NOT_FOUND", e!["extensions"]!["problem_code"]!.GetValue<string>()));

        // GET runs queries only.
        var get = await system.Gateway.GetAsync("/graphql?query=" + Uri.EscapeDataString("mutation { revoke_connection(connection_id: \"x\") }"), Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, get.StatusCode);
        Assert.Contains("METHOD_NOT_ALLOWED", await get.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_over_deep_query_is_refused_with_400_query_too_deep()
    {
        var deep = "{ __schema { types { fields { type " + string.Concat(Enumerable.Repeat("{ ofType ", 14)) + "{ name }" + new string('}', 14) + " } } } }";

        var (status, graph) = await QueryAsync(system.Gateway, deep);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(graph.ContainsKey("data"));
        Assert.Equal("QUERY_TOO_DEEP", Code(graph));
    }

    [Fact]
    public async Task The_graphql_guide_runs_as_written()
    {
        var blocks = (await GuideBlocks.ReadAsync(system, "graphql.md", Cancel)).Where(b => b.Contains("curl", StringComparison.Ordinal)).ToList();
        Assert.True(blocks.Count >= 4, $"the guide should show requests, found {blocks.Count}");

        var demo = await TenantAsync();
        var sessionId = await CompletedSessionAsync(demo);
        var variables = new Dictionary<string, string>
        {
            ["FINQWARE"] = system.Host.GatewayUrl!,
            ["API_TOKEN"] = await TokenAsync(demo.ClientId, demo.Secret),
            ["SESSION_ID"] = sessionId,
        };
        foreach (var block in blocks)
        {
            var output = JsonNode.Parse(await GuideBlocks.RunAsync(block, variables))!.AsObject();
            if (ExpectLine().Match(block) is { Success: true } expect)
            {
                Assert.Equal(expect.Groups[1].Value, Code(output));
                continue;
            }

            Assert.False(output.ContainsKey("errors"), $"The guide's block failed:\n{block}\n{output.ToJsonString()}");
            Assert.NotNull(output["data"]);
            if (output["data"]!["session"] is { } session)
            {
                Assert.Equal(sessionId, session["session_id"]!.GetValue<string>());
                Assert.Equal("Hello, Ana!", session["steps"]![0]!["result"]!["greeting"]!.GetValue<string>());
            }
        }
    }

    private static string? Code(JsonObject graph) => graph["errors"]?[0]?["extensions"]?["code"]?.GetValue<string>();

    private async Task<(HttpStatusCode Status, JsonObject Body)> QueryAsync(HttpClient client, string query, object? variables = null)
    {
        var response = await client.PostAsJsonAsync("/graphql", new { query, variables }, Cancel);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancel))!.AsObject());
    }

    /// <summary>The REST API writes no nulls; GraphQL answers every field asked. Equal once GraphQL's nulls are dropped.</summary>
    private static JsonNode? WithoutNulls(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, WithoutNulls(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(WithoutNulls)]),
        _ => node?.DeepClone(),
    };

    /// <summary>A session of the demo tenant whose one step the example connector completed.</summary>
    private async Task<string> CompletedSessionAsync((string ClientId, string AppKey, string Secret) demo)
    {
        var created = await OpenSessionAsync(demo.ClientId, demo.AppKey);
        var sessionId = created["session_id"]!.GetValue<string>();
        var submitted = await system.Gateway.PostAsJsonAsync($"/sessions/{sessionId}/steps", new
        {
            client_id = demo.ClientId, nonce = created["nonce"]!.GetValue<string>(), skill = Skill, step = "greeting", data = new { name = "Ana" },
        }, Cancel);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var stepId = (await submitted.Content.ReadFromJsonAsync<JsonNode>(Cancel))!["step_id"]!.GetValue<string>();
        using var server = await ServerClientAsync(demo.ClientId, demo.Secret);
        var step = await server.GetFromJsonAsync<JsonNode>($"/sessions/{sessionId}/steps/{stepId}?wait=20", Cancel);
        Assert.Equal("COMPLETED", step!["status"]!.GetValue<string>());
        return sessionId;
    }

    /// <summary>SessionService learns tenants from events, and the skill must have a running connector: allowed a minute.</summary>
    private async Task<JsonNode> OpenSessionAsync(string clientId, string appKey) =>
        JsonNode.Parse((await new SessionClient(system.Gateway, clientId, appKey) { OpenWithin = TimeSpan.FromSeconds(60) }.OpenAsync(Skill, Cancel)).Opened.GetRawText())!;

    /// <summary>A new servicer's sandbox tenant holding the example skill: data no other test class shares.</summary>
    private async Task<(string ClientId, string AppKey, string Secret)> TenantAsync()
    {
        var email = $"graphql-{Guid.NewGuid():N}@example.com";
        var signUp = await (await system.Gateway.PostAsJsonAsync("/servicers", new { name = "GraphQL tests", kind = "fintech", email, password = "another long password" }, Cancel)).Content.ReadFromJsonAsync<JsonNode>(Cancel);
        var login = await (await system.Gateway.PostAsJsonAsync("/auth/token", new { email, password = "another long password" }, Cancel)).Content.ReadFromJsonAsync<JsonNode>(Cancel);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/servicers/{signUp!["servicer_id"]!.GetValue<string>()}/tenants")
        {
            Content = JsonContent.Create(new { name = "GraphQL app", environment = "sandbox", skills = new[] { Skill } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", login!["access_token"]!.GetValue<string>());
        var response = await system.Gateway.SendAsync(request, Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var tenant = await response.Content.ReadFromJsonAsync<JsonNode>(Cancel);
        return (tenant!["client_id"]!.GetValue<string>(), tenant["client_app_key"]!.GetValue<string>(), tenant["client_secret"]!.GetValue<string>());
    }

    private async Task<string> TokenAsync(string clientId, string secret)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret });
        var token = await (await system.Gateway.PostAsync("/oauth/token", form, Cancel)).Content.ReadFromJsonAsync<JsonNode>(Cancel);
        return token!["access_token"]!.GetValue<string>();
    }

    private async Task<HttpClient> ServerClientAsync(string clientId, string secret)
    {
        var client = ContractChecked.Client(system.Gateway.BaseAddress!);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(clientId, secret));
        return client;
    }

    [GeneratedRegex(@"# expect error: ([A-Z_]+)")]
    private static partial Regex ExpectLine();
}
