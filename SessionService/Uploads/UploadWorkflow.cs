using System.Buffers;
using System.Security.Cryptography;
using Finqware.ServiceDefaults.Data;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Internal;
using Finqware.SessionService.Nonces;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Skills;
using Finqware.SessionService.Steps;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IO;

namespace Finqware.SessionService.Uploads;

/// <summary>
/// The upload rules: a document for a step of the tenant's open session that awaits it, authorised by the session's
/// current nonce (which stays current), of a kind the step's manifest names, within the kind's size (and the service's
/// <see cref="UploadOptions.MaxBytes"/>), of a type read from its first bytes. The same kind again replaces the earlier
/// document; the upload that completes a step's required kinds sends the step to its connector, in the same unit of work.
/// </summary>
public sealed partial class UploadWorkflow(
    SessionDbContext db,
    SessionNonces nonces,
    SkillDirectory skills,
    AttachmentGrants grants,
    IOptions<UploadOptions> options,
    TimeProvider clock,
    ILogger<UploadWorkflow> logger)
{
    // An upload is buffered in pooled blocks of 128 KB, so it allocates only the copy that is stored: a growing
    // MemoryStream allocated four times the file's size (docs/benchmarks.md). At most 64 MB of free blocks are kept.
    private static readonly RecyclableMemoryStreamManager Buffers = new(new RecyclableMemoryStreamManager.Options
    {
        BlockSize = 128 * 1024,
        MaximumSmallPoolFreeBytes = 64 * 1024 * 1024,
        MaximumLargePoolFreeBytes = 16 * 1024 * 1024,
    });

    /// <summary>Stores <paramref name="file"/> (read to its end, or until it is too large) for step <paramref name="stepId"/>.</summary>
    public async Task<Result<UploadResponse>> StoreAsync(Guid stepId, UploadForm form, Stream file, CancellationToken cancellationToken)
    {
        var missing = new[] { ("client_id", form.ClientId), ("nonce", form.Nonce), ("kind", form.Kind) }
            .Where(f => string.IsNullOrWhiteSpace(f.Item2)).Select(f => f.Item1).ToList();
        if (missing.Count > 0)
        {
            return new SessionError.MissingFieldsBeforeFile(missing);
        }

        var sessionId = await db.Steps.Where(s => s.Id == stepId).Select(s => (Guid?)s.SessionId).FirstOrDefaultAsync(cancellationToken);
        var session = sessionId is null ? null : await SessionQueries.LoadAsync(db, sessionId.Value, form.ClientId!, cancellationToken);
        var step = session?.Steps.FirstOrDefault(s => s.Id == stepId);
        if (session is null || step is null)
        {
            return new SessionError.StepNotFound();
        }

        if (await nonces.CheckAsync(session, form.Nonce, cancellationToken) is { } nonceError)
        {
            return nonceError;
        }

        if (session.IsClosed)
        {
            return new SessionError.SessionClosed(session.Status);
        }

        var manifest = await skills.FindAsync(session.Skill, cancellationToken);
        var stepManifest = manifest?.Steps.FirstOrDefault(s => s.Name == step.Name);
        if (manifest is null || stepManifest is null)
        {
            return new SessionError.SkillUnavailable(session.Skill);
        }

        if (step.Status != StepStatus.AwaitingUploads)
        {
            return new SessionError.StepNotAwaitingUploads(step.Status);
        }

        var kind = form.Kind!;
        var requirement = stepManifest.Uploads.FirstOrDefault(u => u.Kind == kind);
        if (requirement is null)
        {
            return new SessionError.UnknownUploadKind(step.Name, [.. stepManifest.Uploads.Select(u => u.Kind)]);
        }

        var limit = Math.Min(requirement.MaxBytes, options.Value.MaxBytes);
        using var content = Buffers.GetStream("upload");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[81920];
        int read;
        while ((read = await file.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (content.Length + read > limit)
            {
                return new SessionError.UploadTooLarge(limit);
            }

            sha.AppendData(chunk, 0, read);
            content.Write(chunk, 0, read);
        }

        var bytes = new byte[content.Length];
        content.GetReadOnlySequence().CopyTo(bytes);
        var type = FileTypes.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, FileTypes.HeaderLength)));
        if (type is null || !requirement.ContentTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
        {
            return new SessionError.UnsupportedUploadType(kind, requirement.ContentTypes, type);
        }

        var now = clock.GetUtcNow();
        foreach (var old in step.Attachments.Where(a => a.Kind == kind).ToList())
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
            // The connector reads this step's documents, and no other's, with the grant the command carries.
            db.SendOnCommit(manifest.Queue, StepCommands.ProcessStep(session, step) with { AttachmentGrant = grants.Issue(step.Id) });
        }

        await db.SaveChangesAsync(cancellationToken);
        LogUploaded(logger, session.Id, step.Id, kind, attachment.Size, step.Status);
        return new UploadResponse(attachment.Id, kind, attachment.Size, attachment.Sha256, type, step.Status);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: {Kind} uploaded for step {StepId} ({Size} bytes); step is {Status}")]
    private static partial void LogUploaded(ILogger logger, Guid sessionId, Guid stepId, string kind, long size, string status);
}
