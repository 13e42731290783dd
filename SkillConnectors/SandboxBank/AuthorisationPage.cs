using System.Net;
using System.Security.Cryptography;
using System.Text;
using Finqware.ServiceDefaults.Problems;
using Finqware.SkillConnectors.Sdk;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finqware.SkillConnectors.SandboxBank;

/// <summary>
/// The sandbox bank's own authorisation page for redirect SCA, served by this connector and reached through the
/// gateway at <c>/sandbox/authorise/{step_id}?token=…</c> (the URL of the step's ACTION_REQUIRED action). Approving
/// or denying there decides the step through <see cref="IStepUpdates"/>; the token (random, known only from the
/// URL the step published) must match.
/// </summary>
public static class AuthorisationPage
{
    public const string Path = "/sandbox/authorise";

    public static WebApplication MapAuthorisationPage(this WebApplication app)
    {
        app.MapGet(Path + "/{stepId:guid}", (Guid stepId, string? token) => token is { Length: > 0 }
            ? Results.Content(Page(stepId, token), "text/html; charset=utf-8")
            : (IResult)TokenRequired());
        app.MapPost(Path + "/{stepId:guid}", DecideAsync);
        return app;
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> DecideAsync(
        Guid stepId, HttpRequest request, IStepUpdates updates, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return ApiProblems.Create(StatusCodes.Status415UnsupportedMediaType, "FORM_REQUIRED", "Send the page's form.",
                "POST application/x-www-form-urlencoded with token and decision (approve or deny).");
        }

        var form = await request.ReadFormAsync(cancellationToken);
        var token = form["token"].ToString();
        var decision = form["decision"].ToString();
        if (token.Length == 0)
        {
            return TokenRequired();
        }

        if (decision is not ("approve" or "deny"))
        {
            return ApiProblems.Create(StatusCodes.Status400BadRequest, "INVALID_DECISION", "The decision must be approve or deny.");
        }

        var matched = false;
        var result = await updates.UpdateAsync(
            stepId,
            async step =>
            {
                if (!TokenMatches(step.CurrentOutcome?.Action?.Url, token) || Handler(services, step.Skill) is not { } handler)
                {
                    return null;
                }

                matched = true;
                var username = step.PreviousResult("credentials")?.GetProperty("psu_id").GetString() ?? "";
                return decision == "approve"
                    ? await handler.AuthorisedAsync(step, username, cancellationToken)
                    : handler.ScaFailed(step, "SCA_DENIED", "The user denied the request on the bank's authorisation page.");
            },
            cancellationToken);

        return result switch
        {
            StepUpdateResult.Updated => TypedResults.Content(
                Html("Done", decision == "approve" ? "You approved the request. You can return to the app." : "You denied the request. You can return to the app."),
                "text/html; charset=utf-8"),
            StepUpdateResult.AlreadyFinished => ApiProblems.Conflict("AUTHORISATION_FINISHED", "This request was already decided."),
            _ when !matched => ApiProblems.NotFound("AUTHORISATION_NOT_FOUND", "No such authorisation request.",
                "Open the exact URL the step's action gave."),
            _ => ApiProblems.Conflict("AUTHORISATION_FINISHED", "This request was already decided."),
        };
    }

    private static ScaHandler? Handler(IServiceProvider services, string skill) => skill switch
    {
        Skills.Aisp => ActivatorUtilities.CreateInstance<ConsentScaHandler>(services),
        Skills.Pisp => ActivatorUtilities.CreateInstance<PaymentScaHandler>(services),
        _ => null,
    };

    private static bool TokenMatches(string? url, string token)
    {
        const string marker = "token=";
        var at = url?.LastIndexOf(marker, StringComparison.Ordinal) ?? -1;
        return at >= 0 && CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(url![(at + marker.Length)..]), Encoding.UTF8.GetBytes(token));
    }

    private static ProblemHttpResult TokenRequired() =>
        ApiProblems.Create(StatusCodes.Status400BadRequest, "TOKEN_REQUIRED", "The authorisation token is missing.", "Open the exact URL the step's action gave.");

    private static string Page(Guid stepId, string token) => Html("Authorise", $"""
        <p>XYZ Sandbox Bank asks you to authorise the request of the app you came from.</p>
        <form method="post" action="{stepId}">
          <input type="hidden" name="token" value="{WebUtility.HtmlEncode(token)}">
          <button type="submit" name="decision" value="approve">Approve</button>
          <button type="submit" name="decision" value="deny">Deny</button>
        </form>
        """);

    private static string Html(string title, string body) => $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>XYZ Sandbox Bank: {title}</title></head>
        <body><h1>XYZ Sandbox Bank</h1>{body}</body></html>
        """;
}
