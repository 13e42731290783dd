using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Sessions;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Finqware.SessionService.Nonces;

/// <summary>
/// The one owner of a session's nonce (docs/sessions.md, "The nonce"): the first one of a new session, the check that a
/// presented nonce is the session's current one and unused, spending it for the step it authorises (which mints the
/// next), and the outcome when two submits race with one nonce. A session keeps the identifier of its current nonce;
/// a spent one is a row of <c>used_nonces</c>, written in the same transaction as the step it authorised.
/// </summary>
public sealed class SessionNonces(NonceMacaroons macaroons, SessionDbContext db)
{
    /// <summary>The nonce of a new session's first step.</summary>
    public IssuedNonce First(Guid sessionId, string clientId) => macaroons.Mint(sessionId, clientId, seq: 1);

    /// <summary>
    /// Null when <paramref name="presented"/> is the session's current nonce: signed by us, for this session and tenant,
    /// not expired, not used. Does not spend it (an upload is authorised by the current nonce and leaves it current).
    /// </summary>
    public async Task<SessionError?> CheckAsync(Session session, string? presented, CancellationToken cancellationToken)
    {
        var check = macaroons.Verify(presented, session.Id, session.ClientId);
        if (check.Verdict == NonceVerdict.Invalid)
        {
            return new SessionError.NonceInvalid();
        }

        if (check.Identifier != session.CurrentNonceId)
        {
            return await db.UsedNonces.AnyAsync(n => n.Identifier == check.Identifier, cancellationToken)
                ? new SessionError.NonceAlreadyUsed()
                : new SessionError.NonceInvalid();
        }

        return check.Verdict == NonceVerdict.Expired ? new SessionError.NonceExpired() : null;
    }

    /// <summary>
    /// Spends the session's current nonce on the step numbered <c>NextSeq</c>: the session moves on to the next step's
    /// nonce (minted here, and the session now expires with it). Write the returned <see cref="SpentNonce.Used"/> row with
    /// the step, through <see cref="CommitAsync"/>.
    /// </summary>
    public SpentNonce Spend(Session session, DateTimeOffset now)
    {
        var used = new UsedNonce { Identifier = session.CurrentNonceId, SessionId = session.Id, UsedAt = now };
        var next = macaroons.Mint(session.Id, session.ClientId, session.NextSeq + 1);
        session.CurrentNonceId = next.Identifier;
        session.NextSeq++;
        session.ExpiresAt = next.ExpiresAt;
        return new SpentNonce(used, next);
    }

    /// <summary>
    /// Runs <paramref name="write"/>, the one transaction that stores the spent nonce's row with the step it authorised.
    /// Two submits racing with one nonce both get this far (each read the session before the other wrote); both insert
    /// the nonce into <c>used_nonces</c>, and the later fails on that key and writes nothing: its answer is
    /// <see cref="SessionError.NonceAlreadyUsed"/>. Null when this submit won.
    /// </summary>
    public static async Task<SessionError?> CommitAsync(Func<Task> write)
    {
        try
        {
            await write();
            return null;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return new SessionError.NonceAlreadyUsed();
        }
    }
}
