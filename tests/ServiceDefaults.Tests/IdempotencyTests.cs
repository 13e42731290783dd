using System.Security.Claims;
using Finqware.ServiceDefaults.Data.Idempotency;
using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Finqware.ServiceDefaults.Tests;

/// <summary>
/// Idempotency-Key on a real HTTP server and a real PostgreSQL database: a retry gets the first answer as it was (marked
/// Idempotent-Replayed), the work is done once, another body is a 422, a key whose first request runs is a 409, an error
/// keeps nothing, keys are per caller, answers are stored sealed, and a key whose request was abandoned or has expired is
/// free again.
/// </summary>
public sealed class IdempotencyTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly TaskCompletionSource slowGate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource slowEntered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication app = null!;
    private HttpClient client = null!;
    private string connectionString = null!;
    private int created;
    private int failures;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        connectionString = await postgres.CreateDatabaseAsync("idempotency");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration["ConnectionStrings:keys"] = connectionString;
        builder.Configuration["Database:MigrateOnStart"] = "false";
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddFinqwareProblemDetails();
        builder.AddServiceDatabase<KeysContext>("keys");
        builder.AddIdempotency();
        app = builder.Build();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<KeysContext>().Database.EnsureCreatedAsync(Cancel);
        }

        app.UseFinqwareProblemDetails();
        // Stands in for authentication: X-Tenant names the caller.
        app.Use((context, next) =>
        {
            if (context.Request.Headers["X-Tenant"].ToString() is { Length: > 0 } tenant)
            {
                context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("client_id", tenant)], "test"));
            }

            return next(context);
        });
        app.UseIdempotency("/token");
        app.MapPost("/things", (JsonElement body) =>
        {
            var n = Interlocked.Increment(ref created);
            return Results.Created($"/things/{n}", new { n, name = body.GetProperty("name").GetString(), secret = Guid.NewGuid().ToString("N") });
        });
        app.MapPost("/slow", async () =>
        {
            slowEntered.TrySetResult();
            await slowGate.Task;
            return Results.Ok(new { done = true });
        });
        app.MapPost("/fail", () =>
        {
            Interlocked.Increment(ref failures);
            return ApiProblems.Create(409, "SOMETHING_CONFLICTS", "It conflicts.");
        });
        app.MapPost("/token", () => Results.Ok(new { token = Guid.NewGuid() }));
        await app.StartAsync(Cancel);
        client = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
    }

    public async ValueTask DisposeAsync()
    {
        slowGate.TrySetResult();
        client.Dispose();
        await app.DisposeAsync();
    }

    [Fact]
    public async Task A_retry_gets_the_first_answer_as_it_was_marked_replayed_and_the_work_is_done_once()
    {
        var first = await PostAsync("/things", "{\"name\": \"a\"}", "key-1", "fqc_a");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal("false", first.Headers.GetValues("Idempotent-Replayed").Single());
        var body = await first.Content.ReadAsStringAsync(Cancel);

        var again = await PostAsync("/things", "{\"name\": \"a\"}", "key-1", "fqc_a");

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(body, await again.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.Equal("application/json", again.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, created);

        // A structured-field string ("...") is the same key.
        Assert.Equal(body, await (await PostAsync("/things", "{\"name\": \"a\"}", "\"key-1\"", "fqc_a")).Content.ReadAsStringAsync(Cancel));
        Assert.Equal(1, created);
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_a_422_and_another_callers_key_is_its_own()
    {
        Assert.Equal(HttpStatusCode.Created, (await PostAsync("/things", "{\"name\": \"a\"}", "key-2", "fqc_a")).StatusCode);

        await AssertProblemAsync(await PostAsync("/things", "{\"name\": \"b\"}", "key-2", "fqc_a"), HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED");

        var otherTenant = await PostAsync("/things", "{\"name\": \"b\"}", "key-2", "fqc_b");
        Assert.Equal(HttpStatusCode.Created, otherTenant.StatusCode);
        Assert.Equal("false", otherTenant.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(2, created);
    }

    [Fact]
    public async Task A_key_whose_first_request_still_runs_is_a_409_then_its_answer()
    {
        var first = PostAsync("/slow", "{}", "key-3", "fqc_a");
        await slowEntered.Task.WaitAsync(Cancel);

        var during = await PostAsync("/slow", "{}", "key-3", "fqc_a");
        await AssertProblemAsync(during, HttpStatusCode.Conflict, "IDEMPOTENCY_KEY_IN_USE");
        Assert.NotNull(during.Headers.RetryAfter);

        slowGate.SetResult();
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        var after = await PostAsync("/slow", "{}", "key-3", "fqc_a");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("true", after.Headers.GetValues("Idempotent-Replayed").Single());
    }

    [Fact]
    public async Task An_error_answer_keeps_nothing_so_the_retry_runs_again()
    {
        await AssertProblemAsync(await PostAsync("/fail", "{}", "key-4", "fqc_a"), HttpStatusCode.Conflict, "SOMETHING_CONFLICTS");
        await AssertProblemAsync(await PostAsync("/fail", "{}", "key-4", "fqc_a"), HttpStatusCode.Conflict, "SOMETHING_CONFLICTS");

        Assert.Equal(2, failures);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("\"\"")]
    public async Task A_key_that_is_not_one_is_a_400(string key)
    {
        await AssertProblemAsync(await PostAsync("/things", "{\"name\": \"a\"}", key, "fqc_a"), HttpStatusCode.BadRequest, "IDEMPOTENCY_KEY_INVALID");
        await AssertProblemAsync(await PostAsync("/things", "{\"name\": \"a\"}", new string('k', 256), "fqc_a"), HttpStatusCode.BadRequest, "IDEMPOTENCY_KEY_INVALID");
        Assert.Equal(0, created);
    }

    [Fact]
    public async Task Excluded_routes_and_requests_without_a_key_are_not_kept()
    {
        var one = await (await PostAsync("/token", "{}", "key-5", "fqc_a")).Content.ReadAsStringAsync(Cancel);
        var two = await (await PostAsync("/token", "{}", "key-5", "fqc_a")).Content.ReadAsStringAsync(Cancel);
        Assert.NotEqual(one, two);

        await PostAsync("/things", "{\"name\": \"a\"}", null, "fqc_a");
        await PostAsync("/things", "{\"name\": \"a\"}", null, "fqc_a");
        Assert.Equal(2, created);
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM idempotency_keys"));
    }

    [Fact]
    public async Task The_database_holds_neither_the_key_nor_the_answer_in_clear()
    {
        var answer = await (await PostAsync("/things", "{\"name\": \"sealed\"}", "key-6", "fqc_a")).Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var secret = answer.GetProperty("secret").GetString()!;

        var id = await ScalarAsync<string>("SELECT id FROM idempotency_keys");
        var stored = await ScalarAsync<byte[]>("SELECT body FROM idempotency_keys");
        Assert.DoesNotContain("key-6", id, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.DoesNotContain("sealed", Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_whose_first_request_was_abandoned_or_whose_answer_expired_is_free_again()
    {
        var store = app.Services.GetRequiredService<IdempotencyStore>();
        var id = new string('a', 64);
        var fingerprint = new string('f', 64);
        Assert.Equal(IdempotencyClaim.Started, (await store.ClaimAsync(id, fingerprint, Cancel)).Claim);
        Assert.Equal(IdempotencyClaim.InUse, (await store.ClaimAsync(id, fingerprint, Cancel)).Claim);

        // Its instance died: after a minute (Idempotency__AbandonedAfter) a retry takes the key over.
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(IdempotencyClaim.Started, (await store.ClaimAsync(id, fingerprint, Cancel)).Claim);
        await store.CompleteAsync(id, 200, "application/json", null, [1, 2, 3], Cancel);
        Assert.Equal(IdempotencyClaim.Answered, (await store.ClaimAsync(id, fingerprint, Cancel)).Claim);

        // After 24 h (Idempotency__Retention) the key runs anew, and the sweep deletes what expired.
        clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(1, await store.SweepAsync(Cancel));
        Assert.Equal(IdempotencyClaim.Started, (await store.ClaimAsync(id, fingerprint, Cancel)).Claim);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string json, string? key, string tenant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        request.Headers.Add("X-Tenant", tenant);
        return await client.SendAsync(request, Cancel);
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(Cancel))!;
    }

    private async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("code").GetString());
    }

    private sealed class KeysContext(DbContextOptions<KeysContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddIdempotencyKeys();
    }
}
