using Microsoft.Extensions.Options;

namespace Finqware.CatalogService.Skills;

/// <summary>
/// Which connector may announce which provider's skills: <c>Catalog:Providers:{provider}</c> lists the broker users of
/// the connectors registered for it (the AppHost sets them locally, the operator in a cluster; deploy/README.md). A
/// skill belongs to the connector that announced it first, as long as that connector stays registered for its
/// provider: another connector, even one of the same provider, cannot take it over.
/// </summary>
public sealed class ConnectorRegistry(IOptionsMonitor<CatalogOptions> options)
{
    /// <summary>Why <paramref name="connector"/> may not announce <paramref name="provider"/>'s skill over <paramref name="existing"/>, or null when it may.</summary>
    public string? Refusal(string? connector, string provider, SkillRecord? existing)
    {
        if (connector is null)
        {
            return "the announcement does not say which broker user published it (no user_id)";
        }

        if (!IsRegistered(connector, provider))
        {
            return $"broker user '{connector}' is not registered for provider '{provider}' (Catalog:Providers:{provider})";
        }

        if (existing is { Connector: { } owner } && owner != connector && IsRegistered(owner, existing.Provider))
        {
            return $"the skill belongs to broker user '{owner}'";
        }

        return null;
    }

    public bool IsRegistered(string connector, string provider) =>
        options.CurrentValue.Providers.TryGetValue(provider, out var connectors) && connectors.Contains(connector, StringComparer.Ordinal);
}
