using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace Finqware.Gateway.Tests;

/// <summary>
/// <c>/graphql</c> in front of a real HTTP server answering the REST contract (<see cref="ContractServer"/>): each field maps
/// its REST answer, paging passes the REST cursor through, the caller's Authorization is forwarded so REST's refusals
/// come back as GraphQL errors with codes, and requests that cannot be run are 4xx with codes before any service is asked.
/// </summary>
public sealed class GraphQLTests : IAsyncLifetime
{
    private ContractServer services = null!;
    private WebApplicationFactory<Program> gateway = null!;
    private HttpClient client = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        services = await ContractServer.StartAsync();
        gateway = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            foreach (var name in new[] { "catalog", "tenants", "sessions" })
            {
                web.UseSetting($"ReverseProxy:Clusters:{name}:Destinations:d1:Address", services.Address);
                web.UseSetting($"services:{name}:http:0", services.Address);
            }

            web.UseSetting("GraphQL:MaxRequestBytes", "16384");
        });
        client = gateway.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await gateway.DisposeAsync();
        await services.DisposeAsync();
    }

    [Fact]
    public async Task Graphql_js_reads_the_schema_back_and_the_tenants_mutations_validate_against_it()
    {
        var root = FindRoot();
        var script = Path.Combine(root, "tools", "node", "graphql-schema.mjs");
        var introspection = await NodeAsync(root, null, script, "query");
        var response = await client.PostAsJsonAsync("/graphql", new { query = introspection }, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        string[] documents =
        [
            """mutation { open_session(client_id: "c", client_app_key: "k", skill: "s") { session_id nonce status next_step expires_at } }""",
            """mutation { submit_step(session_id: "s", client_id: "c", nonce: "n", skill: "s", step: "x", data: { a: [1, "b"] }) { step_id nonce status missing_uploads } }""",
            """mutation { cancel_session(session_id: "s") { status steps { status } } }""",
            """mutation { refresh_connection(connection_id: "c") { status request_id } revoke_connection(connection_id: "c") }""",
            """mutation { sync_transactions(connection_id: "c", cursor: "x", count: 10) { added { transaction_id } modified { status } removed { transaction_id } next_cursor has_more } }""",
        ];
        var checkedSchema = JsonNode.Parse(await NodeAsync(root, await response.Content.ReadAsStringAsync(Cancel), [script, "check", .. documents]))!;

        Assert.Empty(checkedSchema["errors"]!.AsArray());
        Assert.Equal(
            ["cancel_session", "open_session", "refresh_connection", "revoke_connection", "submit_step", "sync_transactions"],
            checkedSchema["mutations"]!.AsArray().Select(m => m!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Contains("skills", checkedSchema["queries"]!.AsArray().Select(q => q!.GetValue<string>()));
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Finqware.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Finqware.sln not found above the test assembly.");
    }

    /// <summary>Runs node (graphql-js from tools/node, installed by scripts/prereqs.sh); its standard output.</summary>
    private static async Task<string> NodeAsync(string root, string? input, params string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo("node") { WorkingDirectory = root, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        await process.StandardInput.WriteAsync(input ?? "");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(Cancel);
        var error = process.StandardError.ReadToEndAsync(Cancel);
        await process.WaitForExitAsync(Cancel);
        Assert.True(process.ExitCode == 0, $"node {string.Join(' ', arguments.Take(2))} exited {process.ExitCode}: {await error}");
        return await output;
    }

    [Fact]
    public async Task Skills_are_the_catalogs_answer_field_for_field_with_filters_passed_through()
    {
        var (status, body) = await QueryAsync("""
            { skills { skill_id provider display_name description type flavor version status instances
                       steps { name description data_schema uploads { kind content_types max_bytes required } async } data_products } }
            """);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.ContainsKey("errors"), body.ToJsonString());
        Assert.True(JsonNode.DeepEquals(ContractServer.Skills, body["data"]!["skills"]), body.ToJsonString());

        var (_, filtered) = await QueryAsync("""{ skills(type: "pisp") { skill_id } }""");
        Assert.Equal("""[{"skill_id":"xyz_pisp_sbx_#1.0"}]""", filtered["data"]!["skills"]!.ToJsonString());
        Assert.Contains(services.Requests, r => r.PathAndQuery == "/skills?type=pisp");

        var (_, one) = await QueryAsync("""{ skill(skill_id: "xyz_aisp_sbx_#1.0") { skill_id steps { uploads { max_bytes } } } }""");
        Assert.Equal(5_000_000_000, one["data"]!["skill"]!["steps"]![0]!["uploads"]![0]!["max_bytes"]!.GetValue<long>());
        Assert.Contains(services.Requests, r => r.PathAndQuery == "/skills/xyz_aisp_sbx_%231.0");
    }

    [Fact]
    public async Task A_rest_refusal_of_bad_input_is_an_error_with_codes_and_never_a_5xx()
    {
        var (status, body) = await QueryAsync("""{ skills(type: "loans") { skill_id } }""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Null(body["data"]);
        var error = SingleError(body);
        Assert.Equal("BAD_REQUEST", error["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal("INVALID_FILTER", error["extensions"]!["problem_code"]!.GetValue<string>());
        Assert.Equal(400, error["extensions"]!["status"]!.GetValue<int>());
        Assert.Equal("Must be one of aisp, pisp, marketplace.", error["extensions"]!["errors"]!["type"]![0]!.GetValue<string>());
        Assert.Equal("""["skills"]""", error["path"]!.ToJsonString());
        Assert.Matches("^[0-9a-f]{32}$", error["extensions"]!["trace_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Connections_and_accounts_map_the_contract_and_forward_the_callers_token()
    {
        var (status, body) = await QueryAsync("""
            { connections { connection_id session_id skill status valid_until created_at last_synced_at
                            last_refresh_error { code message at }
                            accounts { account_id connection_id iban name kind currency } } }
            """, "token-a");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.ContainsKey("errors"), body.ToJsonString());
        Assert.True(JsonNode.DeepEquals(ContractServer.TenantA["connections"], WithoutNulls(body["data"]!["connections"])), body.ToJsonString());
        Assert.All(services.Requests, r => Assert.Equal("Bearer token-a", r.Authorization));

        var (_, active) = await QueryAsync("""{ connections(status: "ACTIVE") { connection_id } connection(connection_id: "c-a2") { status last_refresh_error { code } } }""", "token-a");
        Assert.Equal("""[{"connection_id":"c-a1"}]""", active["data"]!["connections"]!.ToJsonString());
        Assert.Equal("CONSENT_REVOKED", active["data"]!["connection"]!["last_refresh_error"]!["code"]!.GetValue<string>());
        Assert.Contains(services.Requests, r => r.PathAndQuery == "/connections?status=ACTIVE");

        var (_, accounts) = await QueryAsync("""
            { accounts(connection_id: "c-a1") { account_id }
              account(account_id: "acc-a1") { iban connection { connection_id status }
                balances { type amount currency reference_date } } }
            """, "token-a");
        Assert.Equal("""[{"account_id":"acc-a1"},{"account_id":"acc-a2"}]""", accounts["data"]!["accounts"]!.ToJsonString());
        var account = accounts["data"]!["account"]!;
        Assert.Equal("DE89370400440532013000", account["iban"]!.GetValue<string>());
        Assert.Equal("c-a1", account["connection"]!["connection_id"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(ContractServer.TenantA["balances"]!["acc-a1"], account["balances"]), account.ToJsonString());
        Assert.Contains(services.Requests, r => r.PathAndQuery == "/accounts?connection_id=c-a1");
        Assert.Contains(services.Requests, r => r.PathAndQuery == "/accounts/acc-a1/balances");
    }

    [Fact]
    public async Task Transactions_page_as_a_connection_type_passing_the_rest_cursor_through()
    {
        const string Page = """
            query Page($after: String) {
              account(account_id: "acc-a1") {
                transactions(first: 2, after: $after, from: "2026-11-01", to: "2026-11-30") {
                  edges { node { transaction_id account_id status amount currency booking_date value_date counterparty_name remittance_information } }
                  nodes { transaction_id }
                  page_info { end_cursor has_next_page }
                }
              }
            }
            """;
        var seen = new List<JsonNode>();
        string? after = null;
        var pages = 0;
        do
        {
            var (status, body) = await QueryAsync(Page, "token-a", new { after });
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.False(body.ContainsKey("errors"), body.ToJsonString());
            var transactions = body["data"]!["account"]!["transactions"]!;
            var edges = transactions["edges"]!.AsArray().Select(e => e!["node"]!).ToList();
            Assert.Equal(edges.Select(n => n["transaction_id"]!.GetValue<string>()), transactions["nodes"]!.AsArray().Select(n => n!["transaction_id"]!.GetValue<string>()));
            seen.AddRange(edges);
            var pageInfo = transactions["page_info"]!;
            after = pageInfo["end_cursor"]?.GetValue<string>();
            Assert.Equal(after is not null, pageInfo["has_next_page"]!.GetValue<bool>());
            pages++;
        }
        while (after is not null);

        Assert.Equal(3, pages);
        Assert.True(JsonNode.DeepEquals(ContractServer.TenantA["transactions"]!["acc-a1"], new JsonArray([.. seen.Select(n => n.DeepClone())])));
        var asked = services.Requests.Where(r => r.PathAndQuery.StartsWith("/accounts/acc-a1/transactions", StringComparison.Ordinal)).Select(r => r.PathAndQuery).ToList();
        Assert.Equal("/accounts/acc-a1/transactions?from=2026-11-01&to=2026-11-30&limit=2", asked[0]);
        Assert.Equal("/accounts/acc-a1/transactions?from=2026-11-01&to=2026-11-30&cursor=Mg%3D%3D&limit=2", asked[1]);
    }

    [Fact]
    public async Task Payments_and_applications_map_the_contract_with_their_json_objects_as_given()
    {
        var (_, body) = await QueryAsync("""
            { payment(payment_id: "p-a1") { payment_id session_id skill status reason creditor_name creditor_iban amount currency
                                            remittance_information created_at updated_at status_history { status reason at } }
              application(application_id: "app-a1") { application_id session_id skill product status reason offer
                                                      verification { status reason decided_at } contract created_at updated_at } }
            """, "token-a");

        Assert.False(body.ContainsKey("errors"), body.ToJsonString());
        Assert.True(JsonNode.DeepEquals(ContractServer.TenantA["payments"]![0], WithoutNulls(body["data"]!["payment"])), body.ToJsonString());
        Assert.True(JsonNode.DeepEquals(ContractServer.TenantA["applications"]![0], WithoutNulls(body["data"]!["application"])), body.ToJsonString());
        Assert.Null(body["data"]!["application"]!["contract"]);
    }

    [Fact]
    public async Task Without_a_token_every_tenant_field_is_null_with_an_unauthorized_error()
    {
        var (status, body) = await QueryAsync("""{ connection(connection_id: "c-a1") { status } payment(payment_id: "p-a1") { status } }""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Null(body["data"]!["connection"]);
        Assert.Null(body["data"]!["payment"]);
        var errors = body["errors"]!.AsArray();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Equal("UNAUTHORIZED", e!["extensions"]!["code"]!.GetValue<string>()));
        Assert.Equal(["connection", "payment"], errors.Select(e => e!["path"]![0]!.GetValue<string>()).Order());
        Assert.All(services.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task Another_tenants_ids_are_null_with_not_found_exactly_like_unknown_ids()
    {
        var (_, body) = await QueryAsync("""
            { theirs: connection(connection_id: "c-a1") { status }
              unknown: connection(connection_id: "c-nope") { status }
              account(account_id: "acc-a1") { iban }
              payment(payment_id: "p-a1") { status }
              mine: connection(connection_id: "c-b1") { status } }
            """, "token-b");

        Assert.Equal("ACTIVE", body["data"]!["mine"]!["status"]!.GetValue<string>());
        foreach (var field in new[] { "theirs", "unknown", "account", "payment" })
        {
            Assert.Null(body["data"]![field]);
        }

        var errors = body["errors"]!.AsArray().ToDictionary(e => e!["path"]![0]!.GetValue<string>(), e => e!);
        Assert.Equal(4, errors.Count);
        Assert.All(errors.Values, e => Assert.Equal("NOT_FOUND", e["extensions"]!["code"]!.GetValue<string>()));
        Assert.Equal(errors["theirs"]["message"]!.GetValue<string>(), errors["unknown"]["message"]!.GetValue<string>());
        Assert.Equal("CONNECTION_NOT_FOUND", errors["theirs"]["extensions"]!["problem_code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ids_stay_one_path_segment_and_dot_segments_reach_no_other_route()
    {
        var (_, body) = await QueryAsync("""
            { slash: payment(payment_id: "p-a1/../../skills") { status }
              dots: payment(payment_id: "..") { status }
              dot: account(account_id: ".") { iban } }
            """, "token-a");

        foreach (var field in new[] { "slash", "dots", "dot" })
        {
            Assert.Null(body["data"]![field]);
        }

        Assert.All(body["errors"]!.AsArray(), e => Assert.Equal("NOT_FOUND", e!["extensions"]!["code"]!.GetValue<string>()));
        Assert.Equal(3, body["errors"]!.AsArray().Count);
        Assert.Equal("/payments/p-a1%2F..%2F..%2Fskills", Assert.Single(services.Requests).PathAndQuery);
    }

    [Fact]
    public async Task A_revoked_connections_data_is_a_forbidden_error_naming_the_rest_code_while_the_rest_still_answers()
    {
        var (_, body) = await QueryAsync("""
            { connection(connection_id: "c-a2") { status accounts { account_id balances { amount } } } }
            """, "token-a");

        Assert.Equal("REVOKED", body["data"]!["connection"]!["status"]!.GetValue<string>());
        Assert.Null(body["data"]!["connection"]!["accounts"]![0]!["balances"]);
        var error = SingleError(body);
        Assert.Equal("FORBIDDEN", error["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal("CONNECTION_REVOKED", error["extensions"]!["problem_code"]!.GetValue<string>());
        Assert.Equal("""["connection","accounts",0,"balances"]""", error["path"]!.ToJsonString());
    }

    [Fact]
    public async Task A_page_size_rest_refuses_is_a_validation_error()
    {
        var (status, body) = await QueryAsync("""{ account(account_id: "acc-a1") { transactions(first: 0) { nodes { transaction_id } } } }""", "token-a");

        Assert.Equal(HttpStatusCode.OK, status);
        var error = SingleError(body);
        Assert.Equal("VALIDATION_FAILED", error["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal("""["account","transactions"]""", error["path"]!.ToJsonString());
    }

    [Fact]
    public async Task The_standard_introspection_query_answers_with_the_snake_case_schema()
    {
        var (status, body) = await QueryAsync(IntrospectionQuery);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.ContainsKey("errors"), body.ToJsonString());
        var schema = body["data"]!["__schema"]!;
        Assert.Equal("Query", schema["queryType"]!["name"]!.GetValue<string>());
        var types = schema["types"]!.AsArray().ToDictionary(t => t!["name"]!.GetValue<string>(), t => t!);
        foreach (var type in new[] { "Skill", "Session", "Step", "Connection", "Account", "Balance", "TransactionConnection", "PageInfo", "Transaction", "Payment", "Application", "JSON" })
        {
            Assert.True(types.ContainsKey(type), type);
        }

        Assert.Equal(
            ["account", "accounts", "application", "connection", "connections", "payment", "session", "skill", "skills"],
            types["Query"]["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).Order());
        Assert.Contains("valid_until", types["Connection"]["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
        Assert.Contains("skill_id", types["Skill"]["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
        Assert.Empty(services.Requests);
    }

    [Fact]
    public async Task An_over_deep_query_is_refused_with_400_before_any_service_is_asked()
    {
        var deep = "{ connection(connection_id: \"c-a1\") " + string.Concat(Enumerable.Repeat("{ accounts { connection ", 8)) + "{ status }" + new string('}', 16) + " }";

        var (status, body) = await QueryAsync(deep, "token-a");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(body.ContainsKey("data"));
        Assert.Equal("QUERY_TOO_DEEP", SingleError(body)["extensions"]!["code"]!.GetValue<string>());
        Assert.Empty(services.Requests);
    }

    [Fact]
    public async Task A_too_complex_query_is_refused_with_400_before_any_service_is_asked()
    {
        var fields = string.Join(' ', Enumerable.Range(0, 10).Select(i => $"a{i}: accounts {{ transactions(first: 500) {{ nodes {{ transaction_id amount currency }} }} }}"));

        var (status, body) = await QueryAsync("{ " + fields + " }", "token-a");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("QUERY_TOO_COMPLEX", SingleError(body)["extensions"]!["code"]!.GetValue<string>());
        Assert.Empty(services.Requests);
    }

    [Theory]
    [InlineData("{\"query\": ", "MALFORMED_JSON")]
    [InlineData("\"a string\"", "MALFORMED_JSON")]
    [InlineData("{\"query\": 42}", "MALFORMED_JSON")]
    [InlineData("{}", "QUERY_MISSING")]
    [InlineData("{\"query\": \"  \"}", "QUERY_MISSING")]
    [InlineData("[{\"query\": \"{ skills { skill_id } }\"}]", "BATCHING_NOT_SUPPORTED")]
    [InlineData("{\"query\": \"{ skills { skill_id \"}", "SYNTAX_ERROR")]
    [InlineData("{\"query\": \"{ skills { no_such_field } }\"}", "FIELDS_ON_CORRECT_TYPE")]
    [InlineData("{\"query\": \"{ session { status } }\"}", "PROVIDED_NON_NULL_ARGUMENTS")]
    [InlineData("{\"query\": \"query A { skills { skill_id } }\", \"operationName\": \"B\"}", "INVALID_OPERATION_NAME")]
    [InlineData("{\"query\": \"query S($id: ID!) { session(session_id: $id) { status } }\", \"variables\": {}}", "INVALID_VALUE")]
    public async Task Requests_that_cannot_be_run_are_400_with_graphql_errors_carrying_a_code(string json, string code)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        var response = await client.PostAsync("/graphql", content, Cancel);

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancel))!.AsObject();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body.ToJsonString());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = body["errors"]![0]!;
        Assert.False(string.IsNullOrWhiteSpace(error["message"]!.GetValue<string>()));
        Assert.Equal(code, error["extensions"]!["code"]!.GetValue<string>());
        Assert.Empty(services.Requests);
    }

    [Fact]
    public async Task Oversized_bodies_and_other_content_types_are_refused_with_graphql_errors()
    {
        var huge = JsonSerializer.Serialize(new { query = "{ skills { skill_id } }", variables = new { padding = new string('x', 20_000) } });
        using var large = new StringContent(huge, Encoding.UTF8, "application/json");
        var tooLarge = await client.PostAsync("/graphql", large, Cancel);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal("PAYLOAD_TOO_LARGE", (await tooLarge.Content.ReadFromJsonAsync<JsonNode>(Cancel))!["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());

        using var form = new StringContent("query={ skills { skill_id } }", Encoding.UTF8, "application/x-www-form-urlencoded");
        var unsupported = await client.PostAsync("/graphql", form, Cancel);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, unsupported.StatusCode);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", (await unsupported.Content.ReadFromJsonAsync<JsonNode>(Cancel))!["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());

        var longGet = await client.GetAsync("/graphql?query=" + new string('x', 20_000), Cancel);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, longGet.StatusCode);
        Assert.Empty(services.Requests);
    }

    [Fact]
    public async Task Get_runs_a_query_from_the_query_string_with_variables()
    {
        var query = Uri.EscapeDataString("query One($id: ID!) { skill(skill_id: $id) { skill_id status } }");
        var variables = Uri.EscapeDataString("""{"id": "xyz_pisp_sbx_#1.0"}""");

        var response = await client.GetAsync($"/graphql?query={query}&operationName=One&variables={variables}", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonNode>(Cancel);
        Assert.Equal("""{"skill_id":"xyz_pisp_sbx_#1.0","status":"UNAVAILABLE"}""", body!["data"]!["skill"]!.ToJsonString());
    }

    [Fact]
    public async Task A_service_that_is_down_is_a_bad_gateway_error_not_a_5xx()
    {
        // A loopback port nothing listens on.
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var closed = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
        probe.Stop();
        await using var isolated = gateway.WithWebHostBuilder(web => web.UseSetting("services:catalog:http:0", closed));
        using var isolatedClient = isolated.CreateClient();

        var response = await isolatedClient.PostAsJsonAsync("/graphql", new { query = "{ skills { skill_id } }" }, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonNode>(Cancel))!.AsObject();
        Assert.Equal("BAD_GATEWAY", SingleError(body)["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal("""["skills"]""", body["errors"]![0]!["path"]!.ToJsonString());
    }

    [Fact]
    public async Task The_gateways_openapi_document_lists_the_graphql_endpoint()
    {
        var document = await client.GetFromJsonAsync<JsonNode>("/openapi/gateway.json", Cancel);

        var path = document!["paths"]!["/graphql"]!;
        Assert.NotNull(path["post"]!["requestBody"]!["content"]!["application/json"]);
        Assert.NotNull(path["get"]);
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> QueryAsync(string query, string? token = null, object? variables = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query, variables }) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await client.SendAsync(request, Cancel);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancel))!.AsObject());
    }

    private static JsonNode SingleError(JsonObject body)
    {
        var errors = body["errors"]!.AsArray();
        Assert.True(errors.Count == 1, body.ToJsonString());
        return errors[0]!;
    }

    /// <summary>The REST API writes no nulls; GraphQL answers every field asked. Equal once GraphQL's nulls are dropped.</summary>
    internal static JsonNode? WithoutNulls(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, WithoutNulls(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(WithoutNulls)]),
        _ => node?.DeepClone(),
    };

    /// <summary>graphql-js <c>getIntrospectionQuery()</c> with its default options, as GraphiQL and code generators send it.</summary>
    internal const string IntrospectionQuery = """
        query IntrospectionQuery {
          __schema {
            queryType { name }
            mutationType { name }
            subscriptionType { name }
            types {
              ...FullType
            }
            directives {
              name
              description
              locations
              args {
                ...InputValue
              }
            }
          }
        }

        fragment FullType on __Type {
          kind
          name
          description
          fields(includeDeprecated: true) {
            name
            description
            args {
              ...InputValue
            }
            type {
              ...TypeRef
            }
            isDeprecated
            deprecationReason
          }
          inputFields {
            ...InputValue
          }
          interfaces {
            ...TypeRef
          }
          enumValues(includeDeprecated: true) {
            name
            description
            isDeprecated
            deprecationReason
          }
          possibleTypes {
            ...TypeRef
          }
        }

        fragment InputValue on __InputValue {
          name
          description
          type { ...TypeRef }
          defaultValue
        }

        fragment TypeRef on __Type {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                    ofType {
                      kind
                      name
                      ofType {
                        kind
                        name
                      }
                    }
                  }
                }
              }
            }
          }
        }
        """;
}
