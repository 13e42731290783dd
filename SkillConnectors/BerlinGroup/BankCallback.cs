using System.Net;
using System.Security.Cryptography;
using System.Text;
using Finqware.ServiceDefaults.Problems;
using Finqware.SkillConnectors.Sdk;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Finqware.SkillConnectors.BerlinGroup;

/// <summary>
/// The addresses the bank sends the user back to after redirect SCA (<c>TPP-Redirect-URI</c>, <c>TPP-Nok-Redirect-URI</c>):
/// <c>{PublicBaseUrl}/bank-callback/berlin-group/{step_id}/ok|nok?state=…</c>, routed by the gateway to this connector. The
/// state is an HMAC of the step and the outcome under <see cref="BerlinGroupOptions.CallbackKey"/>: only the bank that was
/// given the URL can use it.
/// </summary>
public sealed class CallbackUrls(IOptions<BerlinGroupOptions> options)
{
    public const string Path = "/bank-callback/berlin-group";

    public (string Ok, string Nok) For(Guid stepId) => (Url(stepId, "ok"), Url(stepId, "nok"));

    public string State(Guid stepId, string outcome) =>
        Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.CallbackKey!), Encoding.UTF8.GetBytes($"{stepId:D}|{outcome}")));

    public bool Verify(Guid stepId, string outcome, string? state) =>
        state is { Length: > 0 } && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(State(stepId, outcome)), Encoding.ASCII.GetBytes(state));

    private string Url(Guid stepId, string outcome) =>
        $"{options.Value.PublicBaseUrl!.TrimEnd('/')}{Path}/{stepId:D}/{outcome}?state={State(stepId, outcome)}";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// The bank's return after redirect SCA. The step's status at the bank decides (<see cref="ScaStepHandler.ReturnedAsync"/>,
/// through <see cref="IStepUpdates"/>), then the user goes on to the step's <c>redirect_uri</c> (one the tenant registered:
/// SessionService checks it) with <c>session_id</c>, <c>step_id</c> and the step's <c>state</c> added, or, without one,
/// sees a page saying the authorisation is done.
/// </summary>
public static class BankCallback
{
    public static WebApplication MapBankCallback(this WebApplication app)
    {
        app.MapGet(CallbackUrls.Path + "/{stepId:guid}/{outcome}", ReturnAsync);
        return app;
    }

    private static async Task<Results<RedirectHttpResult, ContentHttpResult, ProblemHttpResult>> ReturnAsync(
        Guid stepId, string outcome, string? state, CallbackUrls urls, IStepUpdates updates, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (outcome is not ("ok" or "nok") || !urls.Verify(stepId, outcome, state))
        {
            return ApiProblems.NotFound("AUTHORISATION_NOT_FOUND", "No such authorisation request.", "Use the exact address the bank was given.");
        }

        string? redirectUri = null;
        string? appState = null;
        Guid sessionId = default;
        var result = await updates.UpdateAsync(
            stepId,
            async step =>
            {
                redirectUri = step.DataString("redirect_uri");
                appState = step.DataString("state");
                sessionId = step.SessionId;
                ScaStepHandler handler = step.Step == Skills.Payment
                    ? ActivatorUtilities.CreateInstance<PaymentHandler>(services)
                    : ActivatorUtilities.CreateInstance<ConsentHandler>(services);
                return await handler.ReturnedAsync(step, outcome == "ok", cancellationToken);
            },
            cancellationToken);

        if (result == StepUpdateResult.UnknownStep)
        {
            return ApiProblems.NotFound("AUTHORISATION_NOT_FOUND", "No such authorisation request.", "Use the exact address the bank was given.");
        }

        // SessionService accepted the step only with a redirect_uri the tenant registered (docs/sessions.md#redirect-sca).
        if (redirectUri is not null && Uri.TryCreate(redirectUri, UriKind.Absolute, out var target) && target.Scheme is "https" or "http")
        {
            var separator = string.IsNullOrEmpty(target.Query) ? "?" : "&";
            var returned = appState is null ? "" : "&state=" + Uri.EscapeDataString(appState);
            return TypedResults.Redirect($"{target.AbsoluteUri}{separator}session_id={sessionId:D}&step_id={stepId:D}{returned}");
        }

        var done = result == StepUpdateResult.AlreadyFinished ? "This authorisation was already handled." : "The bank has handled the authorisation.";
        return TypedResults.Content($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Finqware: authorisation done</title></head>
            <body><h1>Authorisation done</h1><p>{WebUtility.HtmlEncode(done)} You can close this page and return to the app.</p></body></html>
            """, "text/html; charset=utf-8");
    }
}
