using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Finqware.TenantService.Catalog;

/// <summary>
/// What TenantService asks the catalog: does a skill exist, and which flavor is it. Asked over HTTP (service
/// discovery name <c>catalog</c>) when a servicer registers or changes a tenant's skills: a rare, interactive
/// request where the answer must be current, so no replica is kept here.
/// </summary>
public interface ICatalogClient
{
    /// <summary>The skill, or null when the catalog does not know it. Throws <see cref="CatalogUnavailableException"/>.</summary>
    Task<CatalogSkill?> FindSkillAsync(string skillId, CancellationToken cancellationToken);
}

public sealed record CatalogSkill(string SkillId, string Flavor, string Type, string Status);

public sealed class CatalogUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class HttpCatalogClient(HttpClient http) : ICatalogClient
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<CatalogSkill?> FindSkillAsync(string skillId, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri("/skills/" + Uri.EscapeDataString(skillId), UriKind.Relative), cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new CatalogUnavailableException($"The catalog answered {(int)response.StatusCode}.");
            }

            return await response.Content.ReadFromJsonAsync<CatalogSkill>(Json, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.ExecutionRejectedException)
        {
            throw new CatalogUnavailableException("The catalog is not reachable.", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CatalogUnavailableException("The catalog did not answer in time.", ex);
        }
    }
}
