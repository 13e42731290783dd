using System.Text.Json;
using Finqware.Portal.Api;
using Microsoft.AspNetCore.Mvc;

namespace Finqware.Portal.Pages.Catalog;

/// <summary>The live catalog (<c>GET /skills</c>): each skill's status, steps, schemas, uploads and examples.</summary>
public sealed class IndexModel(GatewayApi api) : PortalPage(api)
{
    public IReadOnlyList<JsonElement> Skills { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        var skills = await Api.GetAsync("/skills", null, HttpContext.RequestAborted);
        Problem = skills.Problem;
        Skills = [.. skills.Body.Items("skills").OrderBy(s => s.Str("flavor")).ThenBy(s => s.Str("skill_id"), StringComparer.Ordinal)];
        return Page();
    }
}
