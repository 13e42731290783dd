using Microsoft.Playwright;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// The developer portal (docs/portal.md) in a real browser against the running system, through the gateway at
/// <c>/portal/</c>, selected by what a person reads: labels, button names, headings. Screenshots go to the test output
/// (docs/images/ for docs/portal.md with FINQWARE_UPDATE_SCREENSHOTS=1).
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class PortalPageTests(SystemFixture system) : IAsyncLifetime
{
    private const string Password = "correct horse battery staple";

    private Chromium? chromium;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    private string Portal => system.Gateway.BaseAddress!.ToString().TrimEnd('/') + "/portal/";

    public async ValueTask InitializeAsync() => chromium = await Chromium.LaunchAsync();

    public async ValueTask DisposeAsync()
    {
        if (chromium is not null)
        {
            await chromium.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_developer_signs_up_creates_a_sandbox_app_sees_its_keys_once_rotates_one_and_logs_out_and_in()
    {
        var page = await chromium!.NewPageAsync("203.0.113.241");
        var email = $"portal-{Guid.NewGuid():N}@example.com";

        await page.GotoAsync(Portal);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Log in" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign up" }).First.ClickAsync();
        await page.GetByLabel("Organisation name").FillAsync("Portal Fintech");
        await page.GetByLabel("Kind").SelectOptionAsync("fintech");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync("too short");
        await page.Locator("#Input_Password").EvaluateAsync("e => e.removeAttribute('minlength')");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign up" }).ClickAsync();
        // TenantService's refusal, naming the field.
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("password");
        await Assertions.Expect(page.Locator("[data-valmsg-for='Input.Password']")).ToContainTextAsync("password");
        await Chromium.ScreenshotAsync(page, "portal-signup-refused.png");

        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign up" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Apps", Exact = true })).ToBeVisibleAsync();
        var cookies = await page.Context.CookiesAsync();
        var auth = Assert.Single(cookies, c => c.Name == "finqware_portal");
        Assert.True(auth.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, auth.SameSite);
        Assert.Equal("/portal", auth.Path);
        Assert.DoesNotContain("eyJ", auth.Value, StringComparison.Ordinal);

        // A sandbox app with every sandbox skill of the live catalog.
        await page.GetByLabel("App name").FillAsync("Wallet sandbox");
        await page.Locator("input[name='Input.Environment'][value='sandbox']").CheckAsync();
        foreach (var skill in SandboxSkills)
        {
            await page.Locator($"input[name='Input.Skills'][value='{skill}']").CheckAsync();
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Create app" }).ClickAsync();
        var created = page.GetByRole(AriaRole.Region, new() { Name = "Wallet sandbox is ready: copy its keys now" });
        await Assertions.Expect(created).ToBeVisibleAsync();
        var clientId = await created.Locator("[data-secret='client_id']").InnerTextAsync();
        var appKey = await created.Locator("[data-secret='client_app_key']").InnerTextAsync();
        Assert.StartsWith("fqc_", clientId, StringComparison.Ordinal);
        Assert.StartsWith("fqak_", appKey, StringComparison.Ordinal);
        await Assertions.Expect(created.GetByRole(AriaRole.Button, new() { Name = "Copy client secret" })).ToBeVisibleAsync();
        await Chromium.ScreenshotAsync(page, "portal-app-created.png", fullPage: true);

        // The keys are never shown again: the app's page lists their dates only.
        await created.GetByRole(AriaRole.Link, new() { Name = "Open Wallet sandbox" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Wallet sandbox" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("main")).Not.ToContainTextAsync(appKey);
        await Assertions.Expect(page.GetByLabel("Redirect URIs (one per line)")).ToHaveValueAsync(new Uri(system.Gateway.BaseAddress!, "/portal/sandbox/return").ToString());

        // A webhook URL the API refuses names its field beside the input.
        await page.GetByLabel("Webhook URL").FillAsync("ftp://example.com/hook");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-valmsg-for='Settings.WebhookUrl']")).ToContainTextAsync("webhook_url");
        await page.GetByLabel("Webhook URL").FillAsync("");
        await page.GetByLabel("Allowed origins (one per line)").FillAsync("http://localhost:3000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Settings saved.");
        await Assertions.Expect(page.GetByLabel("Allowed origins (one per line)")).ToHaveValueAsync("http://localhost:3000");

        // Rotate the client app key with a grace period: the new value is shown once and opens a session; the old one still does.
        await page.GetByLabel("Key to rotate").SelectOptionAsync("app_key");
        await page.GetByLabel("Grace period in seconds (optional, at most 30 days)").FillAsync("3600");
        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate key" }).ClickAsync();
        var rotated = page.GetByRole(AriaRole.Region, new() { Name = "New app_key: copy it now" });
        await Assertions.Expect(rotated).ToContainTextAsync("The old value keeps working until");
        var newAppKey = await rotated.Locator("[data-secret='new-key']").InnerTextAsync();
        Assert.NotEqual(appKey, newAppKey);
        await Chromium.ScreenshotAsync(page, "portal-key-rotated.png", fullPage: true);
        foreach (var key in new[] { newAppKey, appKey })
        {
            var session = await system.Gateway.PostAsJsonAsync("/sessions", new { client_id = clientId, client_app_key = key, skill = SandboxSkills[0] }, Cancel);
            Assert.Equal(HttpStatusCode.Created, session.StatusCode);
        }

        // Log out, then a wrong password is refused as TenantService words it, and the right one lets the developer back in.
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Log in" })).ToBeVisibleAsync();
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "finqware_portal");
        await page.GotoAsync(Portal + "apps");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Log in" })).ToBeVisibleAsync();
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync("not the password at all");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("INVALID_CREDENTIALS");
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = clientId })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_new_developer_completes_every_sandbox_skill_in_the_wizard_and_sees_what_it_unlocked_and_the_webhooks()
    {
        var received = new ConcurrentQueue<(string Signature, string Body)>();
        await using var receiver = await WebhookReceiver.StartAsync(received);
        var page = await chromium!.NewPageAsync("203.0.113.244");
        await page.GotoAsync(Portal + "account/signup");
        await page.GetByLabel("Organisation name").FillAsync("Wizard Fintech");
        await page.GetByLabel("Email").FillAsync($"wizard-{Guid.NewGuid():N}@example.com");
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign up" }).ClickAsync();
        await page.GetByLabel("App name").FillAsync("Wizard sandbox");
        foreach (var skill in SandboxSkills)
        {
            await page.Locator($"input[name='Input.Skills'][value='{skill}']").CheckAsync();
        }

        await page.GetByLabel("Webhook URL (optional)").FillAsync(receiver.Url);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create app" }).ClickAsync();
        var created = page.GetByRole(AriaRole.Region, new() { Name = "Wizard sandbox is ready: copy its keys now" });
        var clientId = await created.Locator("[data-secret='client_id']").InnerTextAsync();
        var appKey = await created.Locator("[data-secret='client_app_key']").InnerTextAsync();
        var secret = await created.Locator("[data-secret='client_secret']").InnerTextAsync();

        foreach (var skill in SandboxSkills)
        {
            await Nav(page, "Sandbox wizard").ClickAsync();
            await page.GetByLabel("Sandbox app").SelectOptionAsync(clientId);
            await page.GetByLabel("Skill").SelectOptionAsync(skill);
            await page.GetByLabel("Client app key").FillAsync(appKey);
            await page.GetByLabel("Client secret").FillAsync(secret);
            await page.GetByRole(AriaRole.Button, new() { Name = "Open a session" }).ClickAsync();
            await Assertions.Expect(page.Locator("#session-status")).ToHaveTextAsync("SESSION_CREATED");

            // Every step with the catalog's first example, as prefilled; the bank's skills with the test users whose bank
            // asks for a redirect SCA (approved on the sandbox bank's page) and for a decoupled one (followed until approved).
            var redirect = skill == "xyz_aisp_sbx_#1.0";
            var user = skill switch { "xyz_aisp_sbx_#1.0" => "user_redirect", "xyz_pisp_sbx_#1.0" => "user_decoupled", _ => null };
            foreach (var step in await page.Locator("section.step").EvaluateAllAsync<string[]>("s => s.map(e => e.dataset.step)"))
            {
                var section = page.Locator($"section.step[data-step='{step}']");
                if (user is not null && step == "credentials")
                {
                    await section.GetByLabel("username").FillAsync(user);
                }

                if (user is not null && step == "sca")
                {
                    await section.GetByLabel("otp (optional)").FillAsync("");
                }

                foreach (var (kind, index) in new[] { ("id_front", 1), ("id_back", 2), ("selfie", 3) })
                {
                    var upload = section.GetByLabel($"Upload {kind}", new() { Exact = false });
                    if (await upload.CountAsync() == 1)
                    {
                        await upload.SetInputFilesAsync(new FilePayload { Name = kind + ".png", MimeType = "image/png", Buffer = Png(index) });
                    }
                }

                if (skill == "xyz_sbx_#3.0" && step == "product_form")
                {
                    await Chromium.ScreenshotAsync(page, "portal-wizard-deposit-first-step.png", fullPage: true);
                }

                await section.GetByRole(AriaRole.Button, new() { Name = "Submit " + step }).ClickAsync();
                if (redirect && step == "sca")
                {
                    var bankLink = page.Locator($"section.step[data-step='sca']").GetByRole(AriaRole.Link, new() { Name = "Open the bank's authorisation page" });
                    var bank = await page.Context.NewPageAsync();
                    await bank.GotoAsync((await bankLink.GetAttributeAsync("href"))!);
                    await bank.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
                    await Assertions.Expect(bank.Locator("body")).ToContainTextAsync("You approved the request");
                    await bank.CloseAsync();
                }

                await Assertions.Expect(page.Locator($"section.step[data-step='{step}'] .step-status")).ToHaveTextAsync("COMPLETED");
            }

            await Assertions.Expect(page.Locator("#session-status")).ToHaveTextAsync("COMPLETED");
            if (user is not null)
            {
                await Assertions.Expect(page.Locator("section.step[data-step='credentials'] .result")).ToContainTextAsync(user == "user_redirect" ? "REDIRECT" : "DECOUPLED");
            }

            // The data a session unlocks arrives by its own events, moments after the step's outcome (an application's last
            // status, a payment's): the page shows it as it is now, so read it again until it has arrived.
            var unlocked = page.GetByRole(AriaRole.Region, new() { Name = "What the session unlocked" });
            var expected = skill switch
            {
                "xyz_aisp_sbx_#1.0" => "Current account",
                "xyz_pisp_sbx_#1.0" => "creditor_iban",
                _ => "CONTRACT_SIGNED",
            };
            await Onboarding.WaitForAsync(
                async () =>
                {
                    await unlocked.GetByRole(AriaRole.Link, new() { Name = "Read again" }).ClickAsync();
                    return await unlocked.InnerTextAsync();
                },
                text => text.Contains(expected, StringComparison.Ordinal),
                Cancel);
            await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Webhooks sent to the app" })).ToContainTextAsync("SESSION_COMPLETED");
            if (redirect)
            {
                await Chromium.ScreenshotAsync(page, "portal-wizard-accounts-completed.png", fullPage: true);
            }
        }

        // The activity log of the app (with the wizard's API token), the catalog, and the usage the sessions left.
        await Nav(page, "Activity").ClickAsync();
        await Assertions.Expect(page.Locator("#activity")).ToContainTextAsync("/applications/{application_id}");
        await Nav(page, "Catalog").ClickAsync();
        foreach (var skill in SandboxSkills)
        {
            await Assertions.Expect(page.Locator($"section[data-skill='{skill}']")).ToContainTextAsync("AVAILABLE");
        }

        // Usage reaches TenantService a batch a second after the sessions' changes (docs/usage.md): read again until it has.
        var usage = page.Locator("#usage tbody tr").Filter(new() { HasText = "xyz_sbx_#3.0" });
        await Onboarding.WaitForAsync(
            async () =>
            {
                await page.GotoAsync(Portal + "usage");
                return await usage.CountAsync();
            },
            rows => rows > 0,
            Cancel);
        await Assertions.Expect(usage.First).ToContainTextAsync(clientId);
        await Chromium.ScreenshotAsync(page, "portal-usage.png", fullPage: true);
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!, Cancel);
        Assert.StartsWith("period,", csv, StringComparison.Ordinal);
        Assert.Contains(clientId, csv, StringComparison.Ordinal);
    }

    /// <summary>A link of the portal's navigation.</summary>
    private static ILocator Nav(IPage page, string name) =>
        page.GetByRole(AriaRole.Navigation, new() { Name = "Portal" }).GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    /// <summary>A small PNG of its own per upload (the marketplace refuses a selfie that is the same file as an id side).</summary>
    private static byte[] Png(int seed) =>
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, .. Enumerable.Repeat((byte)seed, 64)];

    [Fact]
    public async Task A_viewer_is_refused_by_TenantService_in_the_page_and_with_its_own_token()
    {
        var admin = await ApiTenants.CreateAsync(system, Cancel);
        var viewerEmail = $"viewer-{Guid.NewGuid():N}@example.com";
        using (var add = new HttpRequestMessage(HttpMethod.Post, $"/servicers/{admin.ServicerId}/users")
        {
            Content = JsonContent.Create(new { email = viewerEmail, password = Password, role = "viewer" }),
        })
        {
            add.Headers.Authorization = admin.Portal;
            Assert.Equal(HttpStatusCode.Created, (await system.Gateway.SendAsync(add, Cancel)).StatusCode);
        }

        var page = await chromium!.NewPageAsync("203.0.113.242");
        await page.GotoAsync(Portal + "account/login");
        await page.GetByLabel("Email").FillAsync(viewerEmail);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Edge app" }).ClickAsync();

        // The page offers the form (TenantService decides, not the page) and shows the refusal as it was written.
        await page.GetByLabel("Key to rotate").SelectOptionAsync("secret");
        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate key" }).ClickAsync();
        var refusal = page.GetByRole(AriaRole.Alert);
        await Assertions.Expect(refusal).ToContainTextAsync("ROLE_NOT_ALLOWED");
        await Assertions.Expect(refusal.Locator(".detail")).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "New secret: copy it now" })).ToHaveCountAsync(0);
        await Chromium.ScreenshotAsync(page, "portal-viewer-refused.png");

        await Nav(page, "Team").ClickAsync();
        await page.GetByLabel("Email").FillAsync($"x-{viewerEmail}");
        await page.GetByLabel("Password (12 or more characters)").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add user" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("ROLE_NOT_ALLOWED");
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = viewerEmail })).ToContainTextAsync("viewer");

        // With the viewer's own portal token, the API says the same, and nothing changed.
        var token = await LoginAsync(viewerEmail, "203.0.113.243");
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Post, $"/tenants/{admin.ClientId}/keys/rotate", new { key = "secret" }),
            (HttpMethod.Patch, $"/tenants/{admin.ClientId}", new { webhook_url = (string?)null }),
            (HttpMethod.Put, $"/tenants/{admin.ClientId}/skills", new { skills = Array.Empty<string>() }),
            (HttpMethod.Post, $"/servicers/{admin.ServicerId}/tenants", new { name = "no", environment = "sandbox", skills = Array.Empty<string>() }),
        })
        {
            using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var answer = await system.Gateway.SendAsync(request, Cancel);
            Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
            Assert.Equal("ROLE_NOT_ALLOWED", (await answer.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("code").GetString());
        }

        using var list = new HttpRequestMessage(HttpMethod.Get, $"/servicers/{admin.ServicerId}/tenants");
        list.Headers.Authorization = admin.Portal;
        var tenants = await (await system.Gateway.SendAsync(list, Cancel)).Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(1, tenants.GetArrayLength());
    }

    /// <summary>The sandbox skills the system ships (docs/sandbox.md).</summary>
    internal static readonly string[] SandboxSkills = ["xyz_aisp_sbx_#1.0", "xyz_pisp_sbx_#1.0", "xyz_sbx_#3.0", "xyz_cc_sbx_#1.0"];

    private async Task<string> LoginAsync(string email, string address)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/token") { Content = JsonContent.Create(new { email, password = Password }) };
        request.Headers.Add("X-Forwarded-For", address);
        var answer = await system.Gateway.SendAsync(request, Cancel);
        return (await answer.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("access_token").GetString()!;
    }
}
