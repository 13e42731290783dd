using System.ComponentModel.DataAnnotations;

namespace Finqware.TenantService.Servicers;

/// <summary>How wrong passwords lock a servicer user's account (<see cref="AuthApi"/>), checked at start.</summary>
public sealed class LoginOptions
{
    public const string Section = "Login";

    /// <summary>Consecutive wrong passwords that lock an account.</summary>
    [Range(1, 1000, ErrorMessage = "Login:MaxFailedAttempts must be from 1 to 1000.")]
    public int MaxFailedAttempts { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
}
