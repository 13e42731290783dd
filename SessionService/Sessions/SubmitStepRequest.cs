using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace Finqware.SessionService.Sessions;

public sealed record SubmitStepRequest(
    [property: Required, MaxLength(64)] string? ClientId,
    [property: Required, MaxLength(4096)] string? Nonce,
    [property: Required, MaxLength(128)] string? Skill,
    [property: Required, MaxLength(128)] string? Step,
    [property: Description("The step's input, valid against its data_schema in the catalog.")] JsonElement Data);
