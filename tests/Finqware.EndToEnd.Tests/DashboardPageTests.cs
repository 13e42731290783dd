using Finqware.AppHost.Hosting;
using Microsoft.Playwright;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// The dashboard's pages in a real browser (Debian's Chromium driven by Playwright) against the running system, checked
/// for what an operator looks for on each; screenshots go to the test output (docs/images/ for docs/dashboard.md with FINQWARE_UPDATE_SCREENSHOTS=1).
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class DashboardPageTests(SystemFixture system) : IAsyncLifetime
{
    private Chromium? chromium;
    private IPage page = null!;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        chromium = await Chromium.LaunchAsync();
        page = await chromium.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (chromium is not null)
        {
            await chromium.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_resources_page_shows_every_resource_running_the_dependency_graph_and_the_connectors_queues()
    {
        await OpenAsync("#resources");

        foreach (var resource in system.Host.Resources)
        {
            await Assertions.Expect(page.Locator($"#resources tr[data-name='{resource.Name}'] td.state-Running")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator($"#graph g.node[data-name='{resource.Name}']")).ToHaveCountAsync(1);
        }

        await Assertions.Expect(page.Locator("#graph line.edge[data-from='gateway'][data-to='sessions']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#graph line.edge[data-from='example-connector'][data-to='messaging']")).ToHaveCountAsync(1);
        var queues = page.Locator("#resources tr[data-name='example-connector'] td.queues");
        await Assertions.Expect(queues).ToContainTextAsync("skill-example-echo-sbx-1-0");
        await Assertions.Expect(queues.Locator(".queue-depth")).ToHaveTextAsync("0");
        await Assertions.Expect(queues.Locator(".queue-errors")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^\\d+$"));
        await Assertions.Expect(page.Locator("nav a.soon:has-text('Traces')")).ToHaveCountAsync(0);
        await ScreenshotAsync("dashboard-resources.png");
    }

    [Fact]
    public async Task The_traces_page_lists_an_onboarding_step_and_its_waterfall_crosses_gateway_sessions_and_the_connector()
    {
        var (_, stepId) = await Onboarding.SubmitGreetingAsync(system, "Waterfall", Cancel);
        var trace = await Onboarding.TraceOfStepAsync(system, stepId, Onboarding.ConsumedBackInSessions, Cancel);
        var traceId = trace.GetProperty("trace_id").GetString()!;

        await OpenAsync("#traces");
        await page.SelectOptionAsync("#traces-resource", "example-connector");
        var row = page.Locator($"#traces-table tr[data-id='{traceId}']");
        await Assertions.Expect(row).ToBeVisibleAsync();
        foreach (var resource in new[] { "gateway", "sessions", "example-connector" })
        {
            await Assertions.Expect(row.Locator(".badge", new LocatorLocatorOptions { HasText = resource }).First).ToBeVisibleAsync();
        }

        await ScreenshotAsync("dashboard-traces.png");

        await row.Locator("a").ClickAsync();
        await Assertions.Expect(page.Locator("#trace-title")).ToHaveTextAsync(traceId);
        var rows = page.Locator("#waterfall .span-row");
        await Assertions.Expect(rows).ToHaveCountAsync(trace.GetProperty("spans").GetArrayLength());
        await Assertions.Expect(rows.First).ToContainTextAsync("gateway");
        var step = rows.Filter(new LocatorFilterOptions { HasText = "step " + Onboarding.Skill + "/greeting" });
        await step.ClickAsync();
        await Assertions.Expect(page.Locator("#span-details")).ToContainTextAsync(stepId);
        await Assertions.Expect(page.Locator("#span-details")).ToContainTextAsync("COMPLETED");
        await ScreenshotAsync("dashboard-trace-waterfall.png");
    }

    [Fact]
    public async Task The_structured_logs_page_finds_a_failed_step_by_level_and_text_and_links_to_its_error_trace()
    {
        var (_, stepId) = await Onboarding.SubmitGreetingAsync(system, "nobody", Cancel);
        var trace = await Onboarding.TraceOfStepAsync(system, stepId, t => t.GetProperty("error").GetBoolean(), Cancel);
        var traceId = trace.GetProperty("trace_id").GetString()!;
        await Onboarding.WaitForAsync(
            () => system.Dashboard.GetFromJsonAsync<JsonElement>($"/api/logs?trace_id={traceId}&level=error", Cancel),
            l => l.GetArrayLength() > 0,
            Cancel);

        await OpenAsync("#logs");
        await page.SelectOptionAsync("#logs-level", "error");
        await page.FillAsync("#logs-text", stepId);
        var entry = page.Locator("#logs-table tr.log-row").First;
        await Assertions.Expect(entry).ToContainTextAsync("NAME_REFUSED");
        await Assertions.Expect(entry.Locator(".lvl")).ToHaveTextAsync("Error");
        await Assertions.Expect(entry).ToContainTextAsync("example-connector");
        await ScreenshotAsync("dashboard-structured-logs.png");

        await entry.Locator("a.trace-link").ClickAsync();
        await Assertions.Expect(page.Locator("#trace-title")).ToHaveTextAsync(traceId);
        await Assertions.Expect(page.Locator("#trace-summary .status-error")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#waterfall .span-row.error").First).ToContainTextAsync("example-connector");
    }

    [Fact]
    public async Task The_metrics_page_charts_http_requests_and_finqwares_own_step_outcomes()
    {
        await Onboarding.SubmitGreetingAsync(system, "Charts", Cancel);
        await Onboarding.WaitForAsync(
            () => system.Dashboard.GetFromJsonAsync<JsonElement>("/api/metrics/sessions/finqware.steps.processed", Cancel)
                .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : default, TaskScheduler.Default),
            m => m.ValueKind == JsonValueKind.Object,
            Cancel);

        await OpenAsync("#metrics");
        await page.SelectOptionAsync("#metrics-resource", "sessions");
        await Assertions.Expect(page.Locator("#metric-title")).ToContainTextAsync("http.server.request.duration");
        await Assertions.Expect(page.Locator("#metric-chart svg.metric-svg").First).ToBeVisibleAsync();
        await page.Locator("#instruments li[data-name='finqware.steps.processed']").ClickAsync();
        await Assertions.Expect(page.Locator("#metric-title")).ToContainTextAsync("finqware.steps.processed");
        await Assertions.Expect(page.Locator("#metric-chart polyline.metric-line, #metric-chart svg circle").First).ToBeAttachedAsync();
        await Assertions.Expect(page.Locator("#metric-chart .legend")).ToContainTextAsync("finqware.outcome=COMPLETED");
        await ScreenshotAsync("dashboard-metrics.png");
    }

    [Fact]
    public async Task The_usage_page_shows_each_tenants_counts_today_and_this_month_with_its_servicer_and_environment()
    {
        // A tenant of its own opens two sessions through the gateway and completes one; its report shows them.
        var tenant = await ApiTenants.CreateAsync(system, Cancel, Onboarding.Skill);
        using var server = ContractChecked.Client(system.Gateway.BaseAddress!);
        server.DefaultRequestHeaders.Authorization = await ApiTenants.ApiTokenAsync(system, tenant, Cancel);
        var sessions = new SessionClient(system.Gateway, tenant.ClientId, tenant.AppKey, server.DefaultRequestHeaders.Authorization.Parameter);
        await (await sessions.OpenAsync(Onboarding.Skill, Cancel)).CompleteAsync("greeting", new { name = "Ana" }, Cancel);
        await sessions.OpenAsync(Onboarding.Skill, Cancel);
        var expected = UsageCounts.Expect(("sessions_opened", 2), ("sessions_completed", 1), ("steps", 1), ("steps_completed", 1));
        Assert.Equal(expected, await UsageCounts.WaitForAsync(server, "/usage", expected, Cancel));

        // The dashboard's API: the same counts in the tenant's row, with its servicer and environment.
        var report = await system.Dashboard.GetFromJsonAsync<JsonElement>("/api/usage?period=day", Cancel);
        var row = report.GetProperty("usage").EnumerateArray().Single(r => r.GetProperty("client_id").GetString() == tenant.ClientId);
        Assert.Equal((tenant.ServicerId, "Edge Fintech", "Edge app", "sandbox"), (row.GetProperty("servicer_id").GetString(),
            row.GetProperty("servicer_name").GetString(), row.GetProperty("tenant_name").GetString(), row.GetProperty("environment").GetString()));
        Assert.Equal(expected, UsageCounts.Units.ToDictionary(u => u, u => row.GetProperty("units").GetProperty(u).GetInt64()));

        // The page: today, then this month.
        await OpenAsync("#usage");
        var line = page.Locator($"#usage-table tr.usage-row[data-client-id='{tenant.ClientId}']");
        foreach (var period in new[] { "day", "month" })
        {
            await page.SelectOptionAsync("#usage-period", period);
            var today = DateTime.UtcNow;
            await Assertions.Expect(page.Locator("#usage-summary")).ToContainTextAsync((period == "day" ? today : new DateTime(today.Year, today.Month, 1)).ToString("yyyy-MM-dd"));
            foreach (var (unit, count) in new[] { ("sessions_opened", "2"), ("sessions_completed", "1"), ("steps", "1"), ("webhooks_failed", "0") })
            {
                await Assertions.Expect(line.Locator($"td[data-unit='{unit}']")).ToHaveTextAsync(count);
            }

            await Assertions.Expect(line.Locator(".servicer-name")).ToHaveTextAsync("Edge Fintech");
            await Assertions.Expect(line.Locator(".tenant-name")).ToHaveTextAsync("Edge app");
            await Assertions.Expect(line.Locator("td.environment")).ToHaveTextAsync("sandbox");
            if (period == "day")
            {
                await ScreenshotAsync("dashboard-usage.png");
            }
        }

        // A period it does not know is refused; TenantService's operator route refuses a caller without the internal key.
        await Problems.AssertAsync(await system.Dashboard.GetAsync("/api/usage?period=week", Cancel), HttpStatusCode.BadRequest, "INVALID_PERIOD", Cancel);
        var tenants = (ProjectResource)system.Host["tenants"];
        using var direct = new HttpClient { BaseAddress = new Uri(tenants.Url) };
        await Problems.AssertAsync(await direct.GetAsync("/internal/usage", Cancel), HttpStatusCode.Forbidden, "INTERNAL_ONLY", Cancel);
        using var keyed = new HttpRequestMessage(HttpMethod.Get, "/internal/usage?from=2026-13-01");
        keyed.Headers.Add("X-Finqware-Internal-Key", tenants.BuildEnvironment(system.Host.Options)["InternalApi__Key"]);
        await Problems.AssertAsync(await direct.SendAsync(keyed, Cancel), HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED", Cancel);
    }

    private async Task OpenAsync(string hash)
    {
        await page.GotoAsync(system.Host.DashboardUrl + "/" + hash);
        await Assertions.Expect(page.Locator("#resources tr").First).ToBeAttachedAsync();
    }

    private Task ScreenshotAsync(string name) => Chromium.ScreenshotAsync(page, name);
}
