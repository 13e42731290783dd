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
/// reach them; in addition every call must carry the shared internal key.
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
        IOptions<InternalApiOptions> options,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        if (!InternalCallers.IsInternal(http, options.Value.Key))
        {
            return ApiProblems.Create(403, "INTERNAL_ONLY", "This endpoint is for Finqware's own services.",
                $"Connectors send the shared internal key in {KeyHeader} (Connector__InternalKey = InternalApi__Key).");
        }

        var attachment = await db.Attachments.AsNoTracking().Include(a => a.Content).FirstOrDefaultAsync(a => a.Id == attachmentId, cancellationToken);
        if (attachment is null)
        {
            return ApiProblems.Create(404, "ATTACHMENT_NOT_FOUND", "No such attachment.", "Use an attachment_id from the ProcessStep command.");
        }

        http.Response.Headers["X-Content-Sha256"] = attachment.Sha256;
        return TypedResults.File(attachment.Content!.Bytes, attachment.ContentType);
    }
}
