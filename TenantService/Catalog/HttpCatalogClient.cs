using System.Net;
using System.Text.Json;

namespace Finqware.TenantService.Catalog;

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
