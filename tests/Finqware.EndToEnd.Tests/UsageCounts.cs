namespace Finqware.EndToEnd.Tests;

/// <summary>A tenant's usage (<c>GET /usage</c>) as unit totals over the report's rows, for the exactness checks.</summary>
internal static class UsageCounts
{
    public static readonly string[] Units =
    [
        "sessions_opened", "sessions_completed", "sessions_failed", "sessions_expired", "sessions_cancelled",
        "steps", "steps_completed", "steps_failed", "uploads", "upload_bytes",
        "data_calls", "data_calls_accounts", "data_calls_balances", "data_calls_transactions", "data_calls_payments", "data_calls_applications", "data_calls_connections",
        "active_connections", "webhooks_delivered", "webhooks_failed",
    ];

    /// <summary>Every unit zero but those given.</summary>
    public static Dictionary<string, long> Expect(params (string Unit, long Count)[] counts)
    {
        var expected = Units.ToDictionary(u => u, _ => 0L);
        foreach (var (unit, count) in counts)
        {
            expected[unit] = count;
        }

        return expected;
    }

    /// <summary>Every unit summed over the report's rows (a test that runs across midnight UTC has two days).</summary>
    public static Dictionary<string, long> Sum(JsonElement report) =>
        Units.ToDictionary(u => u, u => report.GetProperty("usage").EnumerateArray().Sum(row => row.GetProperty(u).GetInt64()));

    /// <summary>
    /// The report's units that <paramref name="expected"/> names once they show it (counts are visible within a few seconds), or as it is after
    /// 60 s; then, a few rounds of shipping and storing later, again: nothing more may arrive.
    /// </summary>
    public static async Task<Dictionary<string, long>> WaitForAsync(HttpClient server, string path, Dictionary<string, long> expected, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var last = new Dictionary<string, long>();
        while (DateTime.UtcNow < deadline)
        {
            using var response = await server.GetAsync(path, cancel);
            if (response.IsSuccessStatusCode)
            {
                last = Of(Sum(await response.Content.ReadFromJsonAsync<JsonElement>(cancel)), expected);
                if (last.OrderBy(p => p.Key).SequenceEqual(expected.OrderBy(p => p.Key)))
                {
                    break;
                }
            }

            await Task.Delay(250, cancel);
        }

        await Task.Delay(TimeSpan.FromSeconds(3), cancel);
        using var final = await server.GetAsync(path, cancel);
        return final.IsSuccessStatusCode ? Of(Sum(await final.Content.ReadFromJsonAsync<JsonElement>(cancel)), expected) : last;
    }

    /// <summary>The units <paramref name="expected"/> names (a flow whose other units vary compares only these).</summary>
    private static Dictionary<string, long> Of(Dictionary<string, long> counts, Dictionary<string, long> expected) =>
        expected.Keys.ToDictionary(u => u, u => counts[u]);
}
