using Finqware.SessionService.Sessions;
using Microsoft.Extensions.Caching.Memory;

namespace Finqware.SessionService.Steps;

/// <summary>
/// Sessions as this instance wrote them when it sent a step to its connector, kept for the step's outcome: the
/// <c>StepProcessed</c> consumer applies the outcome to this copy instead of reading the session back, one database
/// round trip less on every step. The copy is a guess, never trusted: <see cref="StepOutcomeWrite"/> writes only if the
/// session and the step are still as the copy has them (status and <c>updated_at</c>, every change to a session sets
/// its <c>updated_at</c>), and otherwise the consumer reads them from the database. A copy is taken once; at most
/// <see cref="Capacity"/> are kept, each for <see cref="Lifetime"/> (an outcome that comes later, or to another
/// instance, is applied to a read as before). An outcome comes back within milliseconds, so a thousand covers a
/// thousand steps in flight on this instance, and a copy that is never taken (its outcome went to another instance)
/// costs a few kilobytes for half a minute.
/// </summary>
public sealed class SubmittedSteps : IDisposable
{
    public const int Capacity = 1_000;

    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly MemoryCache copies = new(new MemoryCacheOptions { SizeLimit = Capacity });

    /// <summary>How many copies are kept.</summary>
    public int Count => copies.Count;

    /// <summary>Keeps a copy of <paramref name="session"/> (with its steps, <paramref name="step"/> among them) as it was just written.</summary>
    public void Remember(Session session, Step step) =>
        copies.Set(step.Id, new Copy(Clone(session)), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Lifetime });

    /// <summary>The copy kept for <paramref name="stepId"/> of <paramref name="sessionId"/>, once; null if none is kept.</summary>
    public Session? Take(Guid sessionId, Guid stepId)
    {
        if (!copies.TryGetValue(stepId, out Copy? copy) || copy is null)
        {
            return null;
        }

        copies.Remove(stepId);
        // Two copies of one message consumed at once both find the entry: only one gets the session to change.
        var session = Interlocked.Exchange(ref copy.Session, null);
        return session?.Id == sessionId ? session : null;
    }

    /// <summary>The skill of the session kept for <paramref name="stepId"/>, without taking the copy; null if none is kept.</summary>
    public string? SkillOf(Guid sessionId, Guid stepId) =>
        copies.TryGetValue(stepId, out Copy? copy) && Volatile.Read(ref copy!.Session) is { } session && session.Id == sessionId ? session.Skill : null;

    public void Dispose() => copies.Dispose();

    // The consumer changes what it takes; the submit's own objects stay the submit's.
    private static Session Clone(Session session) => new()
    {
        Id = session.Id,
        ClientId = session.ClientId,
        Skill = session.Skill,
        Status = session.Status,
        CreatedAt = session.CreatedAt,
        UpdatedAt = session.UpdatedAt,
        ExpiresAt = session.ExpiresAt,
        NextSeq = session.NextSeq,
        CurrentNonceId = session.CurrentNonceId,
        Steps = [.. session.Steps.Select(step => new Step
        {
            Id = step.Id,
            SessionId = step.SessionId,
            Number = step.Number,
            Name = step.Name,
            Status = step.Status,
            Data = step.Data,
            Result = step.Result,
            Action = step.Action,
            ErrorCode = step.ErrorCode,
            ErrorMessage = step.ErrorMessage,
            CreatedAt = step.CreatedAt,
            UpdatedAt = step.UpdatedAt,
            Attachments = [.. step.Attachments],
        })],
    };

    private sealed class Copy(Session session)
    {
        public Session? Session = session;
    }
}
