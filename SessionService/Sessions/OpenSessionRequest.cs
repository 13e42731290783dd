using System.ComponentModel.DataAnnotations;

namespace Finqware.SessionService.Sessions;

public sealed record OpenSessionRequest(
    [property: Required, MaxLength(64)] string? ClientId,
    [property: Required, MaxLength(256)] string? ClientAppKey,
    [property: Required, MaxLength(128)] string? Skill);
