using System.ComponentModel.DataAnnotations;

namespace Finqware.TenantService.Tenants;

public sealed record RotateKeyRequest(
    [property: Required, AllowedValues(KeyKinds.AppKey, KeyKinds.Secret, KeyKinds.WebhookSecret)] string? Key,
    [property: Range(0, 2_592_000)] long? GracePeriodSeconds);
