using Finqware.SessionService.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Sessions;

/// <summary>How the workflows read a session.</summary>
public static class SessionQueries
{
    /// <summary>The session with its steps and their attachments' descriptions, tracked; null for another tenant's.</summary>
    public static Task<Session?> LoadAsync(SessionDbContext db, Guid sessionId, string clientId, CancellationToken cancellationToken) =>
        Load(db, sessionId, clientId, cancellationToken);

    // Compiled once: every submit, read and long-poll runs it, and EF's per-call translation-cache lookup (walking the
    // expression tree to find its parameters) was a sixth of its CPU.
    private static readonly Func<SessionDbContext, Guid, string, CancellationToken, Task<Session?>> Load =
        EF.CompileAsyncQuery((SessionDbContext db, Guid sessionId, string clientId, CancellationToken _) =>
            db.Sessions
                .Include(s => s.Steps).ThenInclude(s => s.Attachments)
                .AsSingleQuery()
                .FirstOrDefault(s => s.Id == sessionId && s.ClientId == clientId));
}
