using System.Text.Json;
using Finqware.Portal.Api;
using Microsoft.AspNetCore.Mvc;

namespace Finqware.Portal.Pages.Usage;

/// <summary>
/// The servicer's usage (<c>GET /servicers/{id}/usage</c>) per period, app and skill, as a table with a bar per row, and
/// the same report as CSV (the API's own, <c>Accept: text/csv</c>) to download. Any role may read it.
/// </summary>
public sealed class IndexModel(GatewayApi api) : PortalPage(api)
{
    public static readonly string[] Columns = ["sessions_opened", "sessions_completed", "sessions_failed", "steps", "uploads", "data_calls", "active_connections", "webhooks_delivered"];

    [BindProperty(SupportsGet = true, Name = "from")]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true, Name = "to")]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true, Name = "granularity")]
    public string Granularity { get; set; } = "day";

    [BindProperty(SupportsGet = true, Name = "group_by")]
    public List<string> GroupBy { get; set; } = [];

    /// <summary>The groups asked for; by app and skill until the form is sent (it always sends a period).</summary>
    public IReadOnlyList<string> Groups => Request.Query.ContainsKey("granularity") ? GroupBy : ["tenant", "skill"];

    public IReadOnlyList<JsonElement> Rows { get; private set; } = [];

    public long Largest => Math.Max(1, Rows.Select(r => r.Prop("sessions_opened").ValueKind == JsonValueKind.Number ? r.Prop("sessions_opened").GetInt64() : 0).DefaultIfEmpty().Max());

    public async Task<IActionResult> OnGetAsync()
    {
        var answer = await GetAsync(Query());
        if (answer.Status == StatusCodes.Status401Unauthorized)
        {
            return SignedOut();
        }

        if (answer.Problem is { } problem)
        {
            Show(problem, new Dictionary<string, string> { ["from"] = "from", ["to"] = "to", ["granularity"] = "granularity", ["group_by"] = "group_by" });
        }

        Rows = [.. answer.Body.Items("usage")];
        return Page();
    }

    public async Task<IActionResult> OnGetCsvAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Query());
        request.Headers.Accept.ParseAdd("text/csv");
        var answer = await Api.SendAsync(request, Token, HttpContext.RequestAborted);
        if (!answer.IsSuccess)
        {
            return await OnGetAsync();
        }

        return File(System.Text.Encoding.UTF8.GetBytes(answer.Text), "text/csv", $"finqware-usage-{Granularity}.csv");
    }

    public string Query()
    {
        var query = new List<string> { "granularity=" + Uri.EscapeDataString(Granularity) };
        if (!string.IsNullOrWhiteSpace(From))
        {
            query.Add("from=" + Uri.EscapeDataString(From));
        }

        if (!string.IsNullOrWhiteSpace(To))
        {
            query.Add("to=" + Uri.EscapeDataString(To));
        }

        if (Groups.Count > 0)
        {
            query.Add("group_by=" + Uri.EscapeDataString(string.Join(',', Groups)));
        }

        return $"/servicers/{ServicerId}/usage?{string.Join('&', query)}";
    }
}
