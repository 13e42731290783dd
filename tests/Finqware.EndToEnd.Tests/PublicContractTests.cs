using System.Text.Json.Nodes;
using Finqware.AppHost.Hosting;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// The public contract (<c>GET /openapi/v1.json</c>) is what <c>sdks/openapi.json</c> holds, so the SDKs generated from the
/// file and the answers ContractChecked validates against it describe the running system; and it is complete: every
/// operation has an operationId, a description, a security requirement and its problem responses.
/// Run with <c>FINQWARE_UPDATE_CONTRACT=1</c> (sdks/generate.sh does) to write the live document into the file.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class PublicContractTests(SystemFixture system)
{
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static string CommittedPath => Path.Combine(FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)!, "sdks", "openapi.json");

    [Fact]
    public async Task The_committed_document_is_the_one_the_gateway_serves()
    {
        using var response = await system.Gateway.GetAsync("/openapi/v1.json", Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var live = await response.Content.ReadAsStringAsync(Cancel);

        if (Environment.GetEnvironmentVariable("FINQWARE_UPDATE_CONTRACT") == "1")
        {
            await File.WriteAllTextAsync(CommittedPath, live, Cancel);
        }

        var committed = JsonNode.Parse(await File.ReadAllTextAsync(CommittedPath, Cancel));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(live), committed),
            "sdks/openapi.json is stale: run sdks/generate.sh (it writes the gateway's /openapi/v1.json there and regenerates both SDKs).");
    }

    [Fact]
    public async Task Every_operation_has_an_id_a_description_a_security_requirement_and_its_problems()
    {
        var document = await system.Gateway.GetFromJsonAsync<JsonObject>("/openapi/v1.json", Cancel);
        var schemes = document!["components"]!["securitySchemes"]!.AsObject();
        var operations = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Where(o => o.Value is JsonObject).Select(o => (Name: $"{o.Key.ToUpperInvariant()} {p.Key}", Operation: o.Value!.AsObject())))
            .ToList();
        Assert.True(operations.Count >= 35, $"only {operations.Count} operations");

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, operation) in operations)
        {
            Assert.True(operation["operationId"]?.GetValue<string>() is { Length: > 0 } id && ids.Add(id), $"{name}: no operationId, or a repeated one");
            Assert.False(string.IsNullOrWhiteSpace(operation["summary"]?.GetValue<string>()), $"{name}: no summary");
            Assert.False(string.IsNullOrWhiteSpace(operation["description"]?.GetValue<string>()), $"{name}: no description");
            Assert.True(operation["tags"] is JsonArray { Count: > 0 }, $"{name}: no tag");
            var security = Assert.IsType<JsonArray>(operation["security"], exactMatch: false);
            foreach (var requirement in security.Select(r => r!.AsObject()).SelectMany(r => r))
            {
                Assert.True(schemes.ContainsKey(requirement.Key), $"{name}: undeclared scheme {requirement.Key}");
            }

            var responses = operation["responses"]!.AsObject();
            foreach (var status in new[] { "400", "500" })
            {
                Assert.True(responses.ContainsKey(status), $"{name}: no {status}");
            }

            var problems = responses.Where(r => r.Key[0] is '4' or '5' && r.Value!["content"]?["application/problem+json"] is not null).ToList();
            Assert.NotEmpty(problems);
            foreach (var (status, problem) in problems)
            {
                var schema = problem!["content"]!["application/problem+json"]!["schema"]!;
                Assert.Equal("#/components/schemas/Problem", schema["$ref"]!.GetValue<string>());
                Assert.NotEmpty(schema["properties"]!["code"]!["enum"]!.AsArray());
            }
        }

        // Nothing internal: the connectors' routes are not part of the public contract.
        Assert.DoesNotContain(document["paths"]!.AsObject(), p => p.Key.StartsWith("/internal", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_contract_check_refuses_an_undeclared_status_an_undeclared_code_and_a_body_off_its_schema()
    {
        var contract = ContractChecked.Document;
        async Task CheckAsync(HttpMethod method, string path, HttpStatusCode status, string mediaType, string body)
        {
            using var request = new HttpRequestMessage(method, new Uri("http://gateway.test" + path));
            using var response = new HttpResponseMessage(status) { Content = new StringContent(body, System.Text.Encoding.UTF8, mediaType), RequestMessage = request };
            await contract.CheckAsync(request, response, Cancel);
        }

        const string Problem = """{"status":404,"title":"No such skill.","code":"SKILL_NOT_FOUND","trace_id":"0af7651916cd43dd8448eb211c80319c"}""";
        await CheckAsync(HttpMethod.Get, "/skills/x", HttpStatusCode.NotFound, "application/problem+json", Problem);
        await CheckAsync(HttpMethod.Get, "/skills", HttpStatusCode.OK, "application/json", """{"skills":[]}""");

        await Assert.ThrowsAsync<ContractViolationException>(() => CheckAsync(HttpMethod.Get, "/skills", (HttpStatusCode)418, "application/problem+json", Problem));
        await Assert.ThrowsAsync<ContractViolationException>(() =>
            CheckAsync(HttpMethod.Get, "/skills/x", HttpStatusCode.NotFound, "application/problem+json", Problem.Replace("SKILL_NOT_FOUND", "SESSION_NOT_FOUND", StringComparison.Ordinal)));
        await Assert.ThrowsAsync<ContractViolationException>(() => CheckAsync(HttpMethod.Get, "/skills", HttpStatusCode.OK, "application/json", """{"items":[]}"""));
        await Assert.ThrowsAsync<ContractViolationException>(() => CheckAsync(HttpMethod.Get, "/skills", HttpStatusCode.OK, "text/plain", "skills"));
    }
}
