using System.ComponentModel.DataAnnotations;
using System.Text;
using Finqware.ServiceDefaults.Problems;
using Finqware.SessionService.Access;
using Finqware.SessionService.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Finqware.SessionService.Uploads;

/// <summary>The multipart form of an upload, for the API description: the handler streams its fields in this order.</summary>
public sealed record UploadRequest(
    [property: Required, MaxLength(64)] string ClientId,
    [property: Required, MaxLength(4096)] string Nonce,
    [property: Required, MaxLength(64)] string Kind,
    [property: Required] IFormFile File);

/// <summary>
/// <c>POST /steps/{step_id}/upload</c>: multipart/form-data with <c>client_id</c>, <c>nonce</c> (the session's current
/// nonce, not consumed) and <c>kind</c> before <c>file</c>. The endpoint reads the form and streams the file to
/// <see cref="UploadWorkflow"/>, which holds the upload rules: the request is authorised before a byte of the file is read,
/// its size is counted as it arrives, its type is read from its first bytes.
/// </summary>
public static class UploadsApi
{
    public static IEndpointRouteBuilder MapUploadsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/steps/{step_id:guid}/upload", UploadAsync)
            .WithName("UploadStepDocument")
            .WithTags("Sessions")
            .WithBodyCredentials(BodyCredentials.Nonce)
            .WithSummary("Upload a step's document")
            .WithDescription("multipart/form-data with client_id, nonce (the session's current nonce, not used up) and kind, then file. "
                + "Size and type (read from the document's first bytes) are checked against the step's manifest; a step waiting "
                + "in AWAITING_UPLOADS goes to its connector once every required document is there.")
            .Problems(StatusCodes.Status401Unauthorized, "NONCE_INVALID", "NONCE_EXPIRED")
            .Problems(StatusCodes.Status404NotFound, "STEP_NOT_FOUND")
            .Problems(StatusCodes.Status409Conflict, "NONCE_ALREADY_USED", "SESSION_CLOSED", "STEP_NOT_AWAITING_UPLOADS")
            .Problems(StatusCodes.Status413PayloadTooLarge, "UPLOAD_TOO_LARGE")
            .Problems(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "UNSUPPORTED_UPLOAD_TYPE")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed, "UNKNOWN_UPLOAD_KIND")
            .Problems(StatusCodes.Status503ServiceUnavailable, "SKILL_UNAVAILABLE")
            .Accepts<UploadRequest>("multipart/form-data");
        return app;
    }

    public static async Task<Results<Created<UploadResponse>, ProblemHttpResult>> UploadAsync(
        [Microsoft.AspNetCore.Mvc.FromRoute(Name = "step_id")] Guid stepId,
        HttpRequest request,
        UploadWorkflow uploads,
        IOptions<UploadOptions> options,
        CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            return ApiProblems.Create(415, "UNSUPPORTED_MEDIA_TYPE", "Uploads are multipart/form-data.",
                "Send multipart/form-data with the fields client_id, nonce and kind, then the file (curl -F).");
        }

        if (request.ContentLength > options.Value.MaxBytes + 64 * 1024)
        {
            return SessionProblems.For(new SessionError.UploadTooLarge(options.Value.MaxBytes));
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024 };
        MultipartSection? section;
        while ((section = await reader.ReadNextSectionAsync(cancellationToken)) is not null)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || disposition.Name.Value is not { } name)
            {
                continue;
            }

            name = HeaderUtilities.RemoveQuotes(name).Value ?? name;
            if (name == "file")
            {
                var form = new UploadForm(fields.GetValueOrDefault("client_id"), fields.GetValueOrDefault("nonce"), fields.GetValueOrDefault("kind"));
                var stored = await uploads.StoreAsync(stepId, form, section.Body, cancellationToken);
                return stored.Succeeded
                    ? TypedResults.Created($"/steps/{stepId}/attachments/{stored.Value.AttachmentId}", stored.Value)
                    : SessionProblems.For(stored.Error);
            }

            if (fields.Count < 16)
            {
                using var text = new StreamReader(section.Body, Encoding.UTF8);
                var buffer = new char[4097];
                var read = await text.ReadBlockAsync(buffer, cancellationToken);
                fields[name] = new string(buffer, 0, Math.Min(read, 4096));
            }
        }

        return ApiProblems.Validation(new Dictionary<string, string[]> { ["file"] = ["is required."] }, ProblemCodes.ValidationFailed, "The upload has no file.",
            "Send the document in a form field named file, after client_id, nonce and kind.");
    }
}
