using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Finqware.Portal.Api;
using Finqware.Portal.Sandbox;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Finqware.Portal.Pages.Sandbox;

/// <summary>
/// The sandbox session, step by step, through the public API: the next step's form (from its <c>data_schema</c>,
/// prefilled with its first example) and its uploads; submitting (<c>POST /sessions/{id}/steps</c>, then
/// <c>POST /steps/{id}/upload</c>); following a working step with the long-poll (<c>?wait=</c>) and, while a step waits
/// for the user or the bank (<c>ACTION_REQUIRED</c>, <c>PENDING_VERIFICATION</c>), reloading every two seconds; and, at
/// the end, what the session unlocked (accounts, payment, application) and the webhooks the app was sent. Each step shows
/// the curl that does the same.
/// </summary>
public sealed class RunModel(GatewayApi api, IDataProtectionProvider protection, IOptions<PortalOptions> options) : PortalPage(api)
{
    private static readonly string[] Working = ["SUBMITTED", "PROCESSING"];
    private static readonly string[] Waiting = ["SUBMITTED", "PROCESSING", "ACTION_REQUIRED", "PENDING_VERIFICATION"];

    public WizardState State { get; private set; } = null!;

    public JsonElement Skill { get; private set; }

    public JsonElement Session { get; private set; }

    /// <summary>The manifest of the step to submit next, when the session expects one now.</summary>
    public JsonElement NextStep { get; private set; }

    public IReadOnlyList<SchemaField> Fields { get; private set; } = [];

    /// <summary>What the inputs show: the schema's first example, or what the user sent when it was refused.</summary>
    public Dictionary<string, string?> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>A step still works or waits for the user or the bank: the page reloads itself.</summary>
    public bool Following { get; private set; }

    public List<(string Title, string Path, JsonElement Body)> Unlocked { get; } = [];

    public JsonElement Webhooks { get; private set; }

    public string Gateway => options.Value.PublicBaseUrl!.ToString().TrimEnd('/');

    public string Status => Session.Str("status") ?? "";

    public async Task<IActionResult> OnGetAsync()
    {
        if (WizardState.Read(HttpContext, protection) is not { } state)
        {
            return RedirectToPage("/Sandbox/Index");
        }

        State = state;
        return await LoadAsync(follow: true);
    }

    public async Task<IActionResult> OnPostStepAsync()
    {
        if (WizardState.Read(HttpContext, protection) is not { } state)
        {
            return RedirectToPage("/Sandbox/Index");
        }

        State = state;
        if (await LoadAsync(follow: false) is not PageResult || NextStep.ValueKind != JsonValueKind.Object)
        {
            return Page();
        }

        var name = NextStep.Str("name")!;
        var data = SchemaForm.Data(Fields, key => Request.Form[key]);
        foreach (var field in Fields)
        {
            Values[field.Name] = Request.Form[field.InputName].LastOrDefault() ?? (field.Type == "boolean" ? "false" : null);
        }

        var submitted = await Api.SendAsync(
            HttpMethod.Post, $"/sessions/{State.SessionId}/steps", new { client_id = State.ClientId, nonce = State.Nonce, skill = State.Skill, step = name, data }, null, HttpContext.RequestAborted);
        if (submitted.Problem is { } problem)
        {
            Show(problem, Fields.ToDictionary(f => f.InputName, f => f.InputName));
            return Page();
        }

        State = State with { Nonce = submitted.Body.Str("nonce")! };
        State.Write(HttpContext, protection);
        var stepId = submitted.Body.Str("step_id")!;
        foreach (var upload in NextStep.Items("uploads"))
        {
            var kind = upload.Str("kind")!;
            if (Request.Form.Files.GetFile("upload." + kind) is not { Length: > 0 } file)
            {
                continue;
            }

            using var content = new MultipartFormDataContent
            {
                { new StringContent(State.ClientId), "client_id" },
                { new StringContent(State.Nonce), "nonce" },
                { new StringContent(kind), "kind" },
            };
            var stream = new StreamContent(file.OpenReadStream());
            stream.Headers.ContentType = MediaTypeHeaderValue.TryParse(file.ContentType, out var type) ? type : null;
            content.Add(stream, "file", Path.GetFileName(file.FileName));
            var uploaded = await Api.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/steps/{stepId}/upload") { Content = content }, null, HttpContext.RequestAborted);
            if (uploaded.Problem is { } refused)
            {
                Show(refused, new Dictionary<string, string> { ["file"] = "upload." + kind, ["kind"] = "upload." + kind });
                ModelState.AddModelError("upload." + kind, $"{kind}: {refused.Detail ?? refused.Title}");
                return await LoadAsync(follow: false);
            }
        }

        return RedirectToPage();
    }

    public IActionResult OnPostRestart()
    {
        WizardState.Clear(HttpContext);
        return RedirectToPage("/Sandbox/Index", new { clientId = WizardState.Read(HttpContext, protection)?.ClientId });
    }

    public string CurlFor(string step) => Curl.Submit(Gateway, State, step, SchemaForm.Data(Fields, key => Values.GetValueOrDefault(key[5..]) is { } v ? new Microsoft.Extensions.Primitives.StringValues(v) : default));

    private async Task<IActionResult> LoadAsync(bool follow)
    {
        var skill = await Api.GetAsync("/skills/" + Uri.EscapeDataString(State.Skill), null, HttpContext.RequestAborted);
        Skill = skill.Body;
        var session = await ReadSessionAsync();
        if (follow && session.IsSuccess)
        {
            foreach (var step in session.Body.Items("steps").Where(s => Working.Contains(s.Str("status"))))
            {
                await ReadAsync($"/sessions/{State.SessionId}/steps/{step.Str("step_id")}?wait=20");
            }

            session = await ReadSessionAsync();
        }

        if (session.Problem is { } problem)
        {
            Problem ??= problem;
            return Page();
        }

        Session = session.Body;
        var steps = Session.Items("steps").ToList();
        Following = steps.Any(s => Waiting.Contains(s.Str("status")));
        var last = steps.LastOrDefault();
        var next = Session.Str("next_step");
        if (next is not null && (last.ValueKind == JsonValueKind.Undefined || last.Str("status") == "COMPLETED") && Status is "SESSION_CREATED" or "IN_PROGRESS")
        {
            NextStep = Skill.Items("steps").FirstOrDefault(s => s.Str("name") == next);
            Fields = SchemaForm.Fields(NextStep.Prop("data_schema"));
            foreach (var field in Fields)
            {
                Values.TryAdd(field.Name, field.Example);
            }
        }

        if (Status == "COMPLETED")
        {
            await UnlockedAsync(steps);
        }

        if (Status is "COMPLETED" or "FAILED")
        {
            Webhooks = (await ReadAsync($"/sessions/{State.SessionId}/webhooks")).Body;
        }

        return Page();
    }

    /// <summary>What a completed session gives the app's server: the consent's accounts, the payment, the application.</summary>
    private async Task UnlockedAsync(List<JsonElement> steps)
    {
        var results = steps.Select(s => s.Prop("result")).Where(r => r.ValueKind == JsonValueKind.Object).ToList();
        foreach (var (field, title, path) in new (string, string, Func<string, string>)[]
        {
            ("connection_id", "Accounts of the consent", id => "/accounts?connection_id=" + Uri.EscapeDataString(id)),
            ("payment_id", "The payment", id => "/payments/" + Uri.EscapeDataString(id)),
            ("application_id", "The application", id => "/applications/" + Uri.EscapeDataString(id)),
        })
        {
            if (results.Select(r => r.Str(field)).LastOrDefault(v => v is not null) is { } id)
            {
                Unlocked.Add((title, path(id), (await ReadAsync(path(id))).Body));
            }
        }
    }

    private Task<ApiAnswer> ReadSessionAsync() => ReadAsync($"/sessions/{State.SessionId}");

    private Task<ApiAnswer> ReadAsync(string path) => Api.SendAsync(HttpMethod.Get, path, null, State.ApiToken, HttpContext.RequestAborted);
}
