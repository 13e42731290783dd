namespace Finqware.AppHost.Dashboard;

internal static class DashboardPage
{
    public static readonly string Html = Load();

    private static string Load()
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream("Finqware.AppHost.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("The dashboard page is not embedded in the AppHost assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
