namespace Finqware.TenantService.Tests;

public sealed class ServicerTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private TenantServiceHost host = null!;

    public async ValueTask InitializeAsync()
    {
        host = await TenantServiceHost.StartAsync(postgres, rabbit, new() { ["RateLimits:LoginPermits"] = "1000" });
    }

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Sign_up_creates_a_servicer_whose_admin_can_log_in()
    {
        var (servicerId, token) = await host.NewServicerAsync();

        Assert.True(Guid.TryParse(servicerId, out _));
        Assert.Equal(3, token.Split('.').Length);
    }

    [Fact]
    public async Task A_second_sign_up_with_the_same_email_is_a_409()
    {
        var email = $"dup-{Guid.NewGuid():N}@example.com";
        await host.NewServicerAsync(email);

        var again = await host.PostJsonAsync("/servicers", new { name = "Other", kind = "bank", email = email.ToUpperInvariant(), password = TenantServiceHost.TestPassword }, expectStatus: 409);

        Assert.Equal("EMAIL_ALREADY_REGISTERED", again.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Invalid_sign_up_lists_every_bad_field()
    {
        var problem = await host.PostJsonAsync("/servicers", new { name = "", kind = "bakery", email = "nope", password = "short" }, expectStatus: 422);

        Assert.Equal("VALIDATION_FAILED", problem.GetProperty("code").GetString());
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "name", "kind", "email", "password" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"errors should name {field}");
        }
    }

    [Fact]
    public async Task A_wrong_password_is_a_401_that_does_not_say_whether_the_email_exists()
    {
        var email = $"user-{Guid.NewGuid():N}@example.com";
        await host.NewServicerAsync(email);

        var wrong = await host.PostJsonAsync("/auth/token", new { email, password = "wrong password here" }, expectStatus: 401);
        var unknown = await host.PostJsonAsync("/auth/token", new { email = "nobody@example.com", password = "wrong password here" }, expectStatus: 401);

        Assert.Equal("INVALID_CREDENTIALS", wrong.GetProperty("code").GetString());
        Assert.Equal(wrong.GetProperty("detail").GetString(), unknown.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_one_until_the_lockout_ends()
    {
        var email = $"lock-{Guid.NewGuid():N}@example.com";
        await host.NewServicerAsync(email);

        for (var i = 0; i < 5; i++)
        {
            await host.PostJsonAsync("/auth/token", new { email, password = "wrong password here" }, expectStatus: 401);
        }

        var locked = await host.PostJsonAsync("/auth/token", new { email, password = TenantServiceHost.TestPassword }, expectStatus: 423);
        Assert.Equal("ACCOUNT_LOCKED", locked.GetProperty("code").GetString());

        host.Clock.Advance(TimeSpan.FromMinutes(16));
        await host.PostJsonAsync("/auth/token", new { email, password = TenantServiceHost.TestPassword });
    }

    [Fact]
    public async Task An_admin_adds_a_developer_who_can_log_in_but_cannot_add_users()
    {
        var (servicerId, adminToken) = await host.NewServicerAsync();
        var devEmail = $"dev-{Guid.NewGuid():N}@example.com";

        await host.PostJsonAsync($"/servicers/{servicerId}/users", new { email = devEmail, password = TenantServiceHost.TestPassword, role = "developer" }, adminToken, 201);
        var devToken = (await host.PostJsonAsync("/auth/token", new { email = devEmail, password = TenantServiceHost.TestPassword })).GetProperty("access_token").GetString();
        var forbidden = await host.PostJsonAsync($"/servicers/{servicerId}/users", new { email = "x" + devEmail, password = TenantServiceHost.TestPassword, role = "developer" }, devToken, 403);

        Assert.Equal("ROLE_NOT_ALLOWED", forbidden.GetProperty("code").GetString());
        var users = await (await host.SendAsync(HttpMethod.Get, $"/servicers/{servicerId}/users", devToken)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, users.GetArrayLength());
    }

    [Fact]
    public async Task Another_servicers_users_are_404()
    {
        var (mine, _) = await host.NewServicerAsync();
        var (_, otherToken) = await host.NewServicerAsync();

        var response = await host.SendAsync(HttpMethod.Get, $"/servicers/{mine}/users", otherToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Logins_beyond_the_rate_limit_get_429_with_retry_after()
    {
        await using var limited = await TenantServiceHost.StartAsync(postgres, rabbit, new() { ["RateLimits:LoginPermits"] = "2" });

        for (var i = 0; i < 2; i++)
        {
            await limited.PostJsonAsync("/auth/token", new { email = "a@example.com", password = "whatever at all" }, expectStatus: 401);
        }

        var response = await limited.SendAsync(HttpMethod.Post, "/auth/token", body: new { email = "a@example.com", password = "whatever at all" });
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("RATE_LIMITED", problem.GetProperty("code").GetString());
    }
}
