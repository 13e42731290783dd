using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Finqware.ServiceDefaults.Problems;
using Finqware.SessionService.Access;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Skills;
using Finqware.SessionService.Steps;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IO;
using Microsoft.Net.Http.Headers;

namespace Finqware.SessionService.Uploads;

public sealed record UploadResponse(Guid AttachmentId, string Kind, long Size, string Sha256, string ContentType, string StepStatus);

/// <summary>
/// <c>POST /steps/{step_id}/upload</c>: multipart/form-data with <c>client_id</c>, <c>nonce</c> (the session's current
/// nonce, not consumed) and <c>kind</c> before <c>file</c>. The file is streamed: the request is authorised before a
/// byte of it is read, its size is counted as it arrives, its type is read from its first bytes.
/// </summary>
public static partial class UploadsApi
{
    public static IEndpointRouteBuilder MapUploadsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/steps/{step_id:guid}/upload", UploadAsync)
            .WithName("UploadStepDocument")
            .WithTags("Sessions")
            .WithBodyCredentials(BodyCredentials.Nonce)
            .WithSummary("Upload a document a step requires (multipart/form-data: client_id, nonce, kind, then file).")
            .Accepts<IFormFile>("multipart/form-data");
        return app;
    }

    public static async Task<Results<Created<UploadResponse>, ProblemHttpResult>> UploadAsync(
        [Microsoft.AspNetCore.Mvc.FromRoute(Name = "step_id")] Guid stepId,
        HttpContext http,
        SessionDbContext db,
        SessionWorkflow workflow,
        SkillDirectory skills,
        IOptions<UploadOptions> options,
        TimeProvider clock,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var request = http.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            return ApiProblems.Create(415, "UNSUPPORTED_MEDIA_TYPE", "Uploads are multipart/form-data.",
                "Send multipart/form-data with the fields client_id, nonce and kind, then the file (curl -F).");
        }

        if (request.ContentLength > options.Value.MaxBytes + 64 * 1024)
        {
            return TooLarge(options.Value.MaxBytes);
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
            if (name != "file")
            {
                if (fields.Count < 16)
                {
                    using var text = new StreamReader(section.Body, Encoding.UTF8);
                    var buffer = new char[4097];
                    var read = await text.ReadBlockAsync(buffer, cancellationToken);
                    fields[name] = new string(buffer, 0, Math.Min(read, 4096));
                }

                continue;
            }

            return await StoreAsync(stepId, fields, section.Body, http, db, workflow, skills, options.Value, clock, loggers, cancellationToken);
        }

        return ApiProblems.Validation(new Dictionary<string, string[]> { ["file"] = ["is required."] }, ProblemCodes.ValidationFailed, "The upload has no file.",
            "Send the document in a form field named file, after client_id, nonce and kind.");
    }

    private static async Task<Results<Created<UploadResponse>, ProblemHttpResult>> StoreAsync(
        Guid stepId,
        Dictionary<string, string> fields,
        Stream file,
        HttpContext http,
        SessionDbContext db,
        SessionWorkflow workflow,
        SkillDirectory skills,
        UploadOptions options,
        TimeProvider clock,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var missing = new[] { "client_id", "nonce", "kind" }.Where(f => !fields.TryGetValue(f, out var v) || string.IsNullOrWhiteSpace(v)).ToList();
        if (missing.Count > 0)
        {
            return SessionProblems.Missing(missing, "Fields are missing before the file.",
                "Send client_id, nonce and kind as form fields before the file field.", "is required before file.");
        }

        var sessionId = await db.Steps.Where(s => s.Id == stepId).Select(s => (Guid?)s.SessionId).FirstOrDefaultAsync(cancellationToken);
        var session = sessionId is null ? null : await workflow.LoadAsync(sessionId.Value, fields["client_id"], cancellationToken);
        var step = session?.Steps.FirstOrDefault(s => s.Id == stepId);
        if (session is null || step is null)
        {
            return SessionProblems.StepNotFound();
        }

        if (await workflow.CheckNonceAsync(session, fields["nonce"], cancellationToken) is { } nonceError)
        {
            return nonceError;
        }

        if (session.IsClosed)
        {
            return SessionProblems.SessionClosed(session.Status);
        }

        var manifest = await skills.FindAsync(session.Skill, cancellationToken);
        var stepManifest = manifest?.Steps.FirstOrDefault(s => s.Name == step.Name);
        if (manifest is null || stepManifest is null)
        {
            return SessionProblems.SkillUnavailable(session.Skill);
        }

        if (step.Status != StepStatus.AwaitingUploads)
        {
            return ApiProblems.Create(409, "STEP_NOT_AWAITING_UPLOADS", "This step takes no more uploads.",
                $"The step is {step.Status}; uploads are accepted while it is AWAITING_UPLOADS.");
        }

        var kind = fields["kind"];
        var requirement = stepManifest.Uploads.FirstOrDefault(u => u.Kind == kind);
        if (requirement is null)
        {
            return ApiProblems.Validation(
                new Dictionary<string, string[]> { ["kind"] = ["is not one of " + string.Join(", ", stepManifest.Uploads.Select(u => u.Kind))] },
                "UNKNOWN_UPLOAD_KIND", "This step does not take that kind of document.",
                $"Step {step.Name} takes: {string.Join(", ", stepManifest.Uploads.Select(u => u.Kind))}.");
        }

        var limit = Math.Min(requirement.MaxBytes, options.MaxBytes);
        using var content = Buffers.GetStream("upload");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[81920];
        int read;
        while ((read = await file.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (content.Length + read > limit)
            {
                return TooLarge(limit);
            }

            sha.AppendData(chunk, 0, read);
            content.Write(chunk, 0, read);
        }

        var bytes = new byte[content.Length];
        content.GetReadOnlySequence().CopyTo(bytes);
        var type = FileTypes.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, FileTypes.HeaderLength)));
        if (type is null || !requirement.ContentTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
        {
            return ApiProblems.Create(415, "UNSUPPORTED_UPLOAD_TYPE", "The document's type is not accepted for this kind.",
                $"{kind} accepts {string.Join(", ", requirement.ContentTypes)}; the file's content is {type ?? "not a recognised document type"}.");
        }

        var now = clock.GetUtcNow();
        var previous = step.Attachments.Where(a => a.Kind == kind).ToList();
        foreach (var old in previous)
        {
            step.Attachments.Remove(old);
            db.Attachments.Remove(old);
        }

        var id = Guid.CreateVersion7();
        var attachment = new Attachment
        {
            Id = id,
            StepId = step.Id,
            SessionId = session.Id,
            Kind = kind,
            ContentType = type,
            Size = bytes.Length,
            Sha256 = Convert.ToHexStringLower(sha.GetHashAndReset()),
            Content = new AttachmentContent { Id = id, Bytes = bytes },
            CreatedAt = now,
        };
        step.Attachments.Add(attachment);
        db.Attachments.Add(attachment);
        step.UpdatedAt = now;
        if (stepManifest.Uploads.Where(u => u.Required).All(u => step.Attachments.Any(a => a.Kind == u.Kind)))
        {
            step.Status = StepStatus.Submitted;
            workflow.Dispatch(session, step, manifest);
        }

        await db.SaveChangesAsync(cancellationToken);
        LogUploaded(loggers.CreateLogger(typeof(UploadsApi)), session.Id, step.Id, kind, attachment.Size, step.Status);
        return TypedResults.Created($"/steps/{step.Id}/attachments/{attachment.Id}",
            new UploadResponse(attachment.Id, kind, attachment.Size, attachment.Sha256, type, step.Status));
    }

    // An upload is buffered in pooled blocks of 128 KB, so it allocates only the copy that is stored: a growing
    // MemoryStream allocated four times the file's size (docs/benchmarks.md). At most 64 MB of free blocks are kept.
    private static readonly RecyclableMemoryStreamManager Buffers = new(new RecyclableMemoryStreamManager.Options
    {
        BlockSize = 128 * 1024,
        MaximumSmallPoolFreeBytes = 64 * 1024 * 1024,
        MaximumLargePoolFreeBytes = 16 * 1024 * 1024,
    });

    private static ProblemHttpResult TooLarge(long limit) => ApiProblems.Create(413, "UPLOAD_TOO_LARGE", "The document is too large.",
        $"Documents of this kind may be at most {limit} bytes. Send a smaller file (compress or scan at a lower resolution).");

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: {Kind} uploaded for step {StepId} ({Size} bytes); step is {Status}")]
    private static partial void LogUploaded(ILogger logger, Guid sessionId, Guid stepId, string kind, long size, string status);
}
