using Finqware.ServiceDefaults.Http;
using Finqware.ServiceDefaults.Problems;
using Finqware.SessionService.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Internal;

/// <summary>
/// Service-to-service endpoints under <c>/internal</c>. The gateway routes no <c>/internal</c> path, so tenants never
/// reach them. A connector reads a document with the grant of the step it was sent (<see cref="AttachmentGrants"/>):
/// that step's documents and no other's.
/// </summary>
public static class InternalApi
{
    public const string KeyHeader = InternalCallers.KeyHeader;

    public static IEndpointRouteBuilder MapInternalApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/internal/attachments/{attachment_id:guid}", GetAttachmentAsync)
            .WithName("ReadAttachment")
            .ExcludeFromDescription();
        return app;
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetAttachmentAsync(
        [FromRoute(Name = "attachment_id")] Guid attachmentId,
        SessionDbContext db,
        AttachmentGrants grants,
        IOptions<InternalApiOptions> options,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        // The step's grant, or (legacy, connectors on SDK 1.0.0) the shared key when one is configured: never loopback alone.
        Guid? grantedStep = null;
        var authorization = http.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            grantedStep = grants.StepOf(authorization["Bearer ".Length..].Trim());
            if (grantedStep is null)
            {
                return ApiProblems.Create(403, "ATTACHMENT_GRANT_INVALID", "The attachment grant is not valid.",
                    "Send the AttachmentGrant of the ProcessStep command that listed this attachment, before it expires.");
            }
        }
        else if (string.IsNullOrEmpty(options.Value.Key) || !InternalCallers.IsInternal(http, options.Value.Key))
        {
            return ApiProblems.Create(403, "ATTACHMENT_GRANT_REQUIRED", "Documents are read with the grant of the step they belong to.",
                "Send the ProcessStep command's AttachmentGrant as Authorization: Bearer (the connector SDK's attachment reader does).");
        }

        var attachment = await db.Attachments.AsNoTracking().Include(a => a.Content).FirstOrDefaultAsync(a => a.Id == attachmentId, cancellationToken);
        // Another step's document is as unknown as one that does not exist.
        if (attachment is null || (grantedStep is { } step && attachment.StepId != step))
        {
            return ApiProblems.Create(404, "ATTACHMENT_NOT_FOUND", "No such attachment.", "Use an attachment_id from the ProcessStep command whose grant you send.");
        }

        http.Response.Headers["X-Content-Sha256"] = attachment.Sha256;
        return TypedResults.File(attachment.Content!.Bytes, attachment.ContentType);
    }
}
