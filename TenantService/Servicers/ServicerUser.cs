namespace Finqware.TenantService.Servicers;

/// <summary>A developer of a servicer with credentials on the portal.</summary>
public sealed class ServicerUser
{
    public required Guid Id { get; init; }

    public required Guid ServicerId { get; init; }

    public required string Email { get; set; }

    /// <summary>Upper-case invariant email: the unique login name.</summary>
    public required string NormalizedEmail { get; set; }

    /// <summary>ASP.NET Core Identity's PBKDF2 hash; the password itself is never stored.</summary>
    public required string PasswordHash { get; set; }

    /// <summary>admin or developer.</summary>
    public required string Role { get; set; }

    public int FailedLogins { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }
}
