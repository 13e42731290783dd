using System.Security.Claims;
using System.Text.Json;
using Finqware.TenantService.Infrastructure;
using Finqware.TenantService.Tokens;

namespace Finqware.TenantService.Audit;

/// <summary>
/// Adds an <see cref="AuditEvent"/> to the caller's unit of work, so it is committed with the change it records (or not
/// at all). The actor is the portal token's user, with the email <see cref="PortalRoles"/> read with their role.
/// </summary>
public sealed class AuditLog(TenantDbContext db, IHttpContextAccessor http, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Records a change made by the authenticated portal user.</summary>
    public void Record(string action, string targetType, string targetId, object? details = null)
    {
        var caller = http.HttpContext?.User ?? new ClaimsPrincipal();
        var actor = Guid.TryParse(caller.FindFirst("sub")?.Value, out var id) ? id : throw new InvalidOperationException("An audited change needs a portal user.");
        var servicer = ClaimNames.ServicerOf(caller) ?? throw new InvalidOperationException("An audited change needs a servicer.");
        Record(servicer, actor, caller.FindFirst(PortalRoles.EmailClaim)?.Value ?? "", action, targetType, targetId, details);
    }

    /// <summary>Records a change made by <paramref name="actorUserId"/> (sign-up, before there is a token).</summary>
    public void Record(Guid servicerId, Guid actorUserId, string actorEmail, string action, string targetType, string targetId, object? details = null)
    {
        var request = http.HttpContext;
        var userAgent = request?.Request.Headers.UserAgent.ToString();
        db.AuditEvents.Add(new AuditEvent
        {
            Id = Guid.CreateVersion7(clock.GetUtcNow()),
            ServicerId = servicerId,
            ActorUserId = actorUserId,
            ActorEmail = actorEmail,
            Action = action,
            TargetType = targetType,
            TargetId = targetId,
            Details = details is null ? null : JsonSerializer.SerializeToDocument(details, Json),
            IpAddress = request?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = string.IsNullOrEmpty(userAgent) ? null : userAgent[..Math.Min(userAgent.Length, 256)],
            OccurredAt = clock.GetUtcNow(),
        });
    }

    /// <summary>A change of one value, as the log shows it.</summary>
    public static object Change<T>(T from, T to) => new { From = from, To = to };
}
