using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Finqware.Portal.Pages.Sandbox;

/// <summary>
/// The sandbox apps' registered redirect URI (<c>/portal/sandbox/return</c>): where a bank whose redirect SCA sends the
/// user back (a step's <c>redirect_uri</c>) returns them, with <c>session_id</c>, <c>step_id</c> and <c>state</c>; the
/// wizard's page reads the step from there.
/// </summary>
public sealed class ReturnModel : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Sandbox/Run");
}
