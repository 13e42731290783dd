using Finqware.ServiceDefaults;
using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Finqware.ServiceDefaults.Tests;

/// <summary>
/// A real Kestrel app with the service defaults, on a free loopback port: every error a client can provoke is an
/// RFC 9457 document with a code and a trace id, and no exception text leaves the process.
/// </summary>
public sealed class ProblemDetailsTests : IAsyncLifetime
{
    private WebApplication app = null!;
    private HttpClient client = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapPost("/echo", (EchoRequest request) => TypedResults.Ok(request));
        app.MapGet("/boom", string () => throw new InvalidOperationException("secret connection string Password=hunter2"));
        app.MapGet("/teapot", () => ApiProblems.Create(418, "I_AM_A_TEAPOT", "Short and stout.", "Brew coffee elsewhere."));
        // A database that is not there: a port nothing listens on (bound, then released).
        var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var closedPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        app.MapGet("/database-away", async () =>
        {
            await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={closedPort};Username=x;Password=secret-password;Timeout=3");
            await connection.OpenAsync();
            return "unreachable";
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        client = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await app.DisposeAsync();
    }

    [Fact]
    public async Task Unknown_route_is_a_404_problem_with_a_code_and_trace_id()
    {
        var response = await client.GetAsync("/nowhere", TestContext.Current.CancellationToken);

        var problem = await AssertProblemAsync(response, HttpStatusCode.NotFound, ProblemCodes.RouteNotFound);
        Assert.Contains("/docs", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_accepts_only_csv_still_gets_the_problem_document_not_a_500()
    {
        foreach (var path in new[] { "/nowhere", "/teapot", "/boom" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.ParseAdd("text/csv");
            var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            var expected = path switch { "/nowhere" => (HttpStatusCode.NotFound, ProblemCodes.RouteNotFound), "/teapot" => ((HttpStatusCode)418, "I_AM_A_TEAPOT"), _ => (HttpStatusCode.InternalServerError, ProblemCodes.InternalError) };
            var problem = await AssertProblemAsync(response, expected.Item1, expected.Item2);
            Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("trace_id").GetString());
        }
    }

    [Fact]
    public async Task Unsupported_method_is_a_405_problem_naming_the_allowed_method()
    {
        var response = await client.DeleteAsync("/echo", TestContext.Current.CancellationToken);

        var problem = await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed, ProblemCodes.MethodNotAllowed);
        Assert.Contains("POST", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"display_name\": 42}")]
    [InlineData("[1, 2]")]
    public async Task Malformed_json_is_a_400_problem(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await client.PostAsync("/echo", content, TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemCodes.MalformedJson);
    }

    [Fact]
    public async Task Wrong_content_type_is_a_415_problem()
    {
        using var content = new StringContent("name=x", Encoding.UTF8, "text/plain");
        var response = await client.PostAsync("/echo", content, TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType);
    }

    [Fact]
    public async Task Unhandled_exception_is_a_500_problem_without_the_exception_text()
    {
        var response = await client.GetAsync("/boom", TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.InternalServerError, ProblemCodes.InternalError);
        var raw = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain("hunter2", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handler_problem_keeps_its_own_code()
    {
        var response = await client.GetAsync("/teapot", TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, (HttpStatusCode)418, "I_AM_A_TEAPOT");
    }

    [Fact]
    public async Task Valid_json_is_answered_in_snake_case()
    {
        var response = await client.PostAsJsonAsync("/echo", new { display_name = "Ana" }, TestContext.Current.CancellationToken);

        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("Ana", body.GetProperty("display_name").GetString());
    }

    [Fact]
    public async Task An_unreachable_database_is_a_503_problem_that_says_when_to_retry_and_leaks_nothing()
    {
        var response = await client.GetAsync("/database-away", TestContext.Current.CancellationToken);

        var problem = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, ProblemCodes.ServiceUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Assert.Contains("Retry-After", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var text = problem.GetRawText();
        Assert.DoesNotContain("secret-password", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Npgsql", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failure_that_is_not_a_dependency_away_stays_a_500()
    {
        var response = await client.GetAsync("/boom", TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.InternalServerError, ProblemCodes.InternalError);
        Assert.Null(response.Headers.RetryAfter);
    }

    [Fact]
    public void Transient_failures_are_told_apart_from_errors_that_can_never_succeed()
    {
        var refused = new NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));
        Assert.True(TransientFailure.Is(refused));
        Assert.True(TransientFailure.Is(new Microsoft.EntityFrameworkCore.DbUpdateException("Saving failed.", refused)));
        Assert.True(TransientFailure.Is(new AggregateException(new InvalidOperationException("first"), new TimeoutException())));
        // What a server that is stopping (a restart, a failover) or starting tells its clients, as an error message rather
        // than a dropped socket: which one a client sees depends on timing.
        Assert.All(
            [PostgresErrorCodes.AdminShutdown, PostgresErrorCodes.CrashShutdown, PostgresErrorCodes.CannotConnectNow],
            code => Assert.True(TransientFailure.Is(new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", code)), code));
        Assert.False(TransientFailure.Is(new PostgresException("duplicate key", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation)));
        Assert.False(TransientFailure.Is(new Microsoft.EntityFrameworkCore.DbUpdateException("Saving failed.", new PostgresException("null value", "ERROR", "ERROR", PostgresErrorCodes.NotNullViolation))));
        Assert.False(TransientFailure.Is(new InvalidOperationException("a bug")));
    }

    [Fact]
    public async Task Health_and_alive_answer_in_every_environment()
    {
        var health = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        var alive = await client.GetAsync("/alive", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        var body = await alive.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("trace_id").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }

    public sealed record EchoRequest(string DisplayName);
}
