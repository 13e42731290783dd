using System.ComponentModel.DataAnnotations;

namespace Finqware.TenantService.Tenants;

public sealed record RevokeKeyRequest([property: Required, AllowedValues(KeyKinds.AppKey, KeyKinds.Secret, KeyKinds.WebhookSecret)] string? Key);
