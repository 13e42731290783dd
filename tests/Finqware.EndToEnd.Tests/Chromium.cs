using Finqware.AppHost.Hosting;
using Microsoft.Playwright;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright, for the browser tests of the dashboard and the portal: one browser per test
/// class, a page per test, screenshots into the test output (docs/images/ with FINQWARE_UPDATE_SCREENSHOTS=1).
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    /// <summary>Debian's Chromium, installed by scripts/prereqs.sh (<c>apt-get install chromium</c>).</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    private static readonly string[] LaunchArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright playwright;
    private readonly IBrowser browser;

    private Chromium(IPlaywright playwright, IBrowser browser)
    {
        this.playwright = playwright;
        this.browser = browser;
    }

    public static async Task<Chromium> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"The browser tests need Debian's Chromium at {ExecutablePath}: run ./test.sh (scripts/prereqs.sh installs it) or `apt-get install chromium`.");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            return new Chromium(playwright, await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath, Headless = true, Args = LaunchArgs }));
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A page of its own (its own cookies), 1440×900, waiting up to 30 s for what a test expects. With
    /// <paramref name="forwardedFor"/>, the browser says it comes from that address through the gateway's trusted hop
    /// (loopback), so logins are counted against an address of the test's own, not the suite's shared loopback budget.
    /// </summary>
    public async Task<IPage> NewPageAsync(string? forwardedFor = null)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            ExtraHTTPHeaders = forwardedFor is null ? null : new Dictionary<string, string> { ["X-Forwarded-For"] = forwardedFor },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        return page;
    }

    /// <summary>
    /// Into the test output's screenshots/ folder; into docs/images/ (the guides' pictures) only when
    /// FINQWARE_UPDATE_SCREENSHOTS=1, so a test run leaves the working tree as it found it.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name, bool fullPage = false)
    {
        var folder = Environment.GetEnvironmentVariable("FINQWARE_UPDATE_SCREENSHOTS") == "1"
            ? Path.Combine(FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)!, "docs", "images")
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = fullPage });
    }

    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }
}
