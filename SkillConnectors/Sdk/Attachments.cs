using Finqware.Contracts.Sessions;
using Microsoft.Extensions.Options;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>Reads uploaded documents from SessionService's internal endpoint.</summary>
public interface IAttachmentReader
{
    Task<Stream> OpenAsync(AttachmentDescriptor attachment, CancellationToken cancellationToken);

    /// <summary>Reads <paramref name="attachment"/> with the grant of the step that listed it (<see cref="ProcessStep.AttachmentGrant"/>).</summary>
    Task<Stream> OpenAsync(AttachmentDescriptor attachment, string? grant, CancellationToken cancellationToken) =>
        OpenAsync(attachment, cancellationToken);
}

/// <summary>
/// <c>GET http://sessions/internal/attachments/{id}</c> (service discovery) with the step's grant as
/// <c>Authorization: Bearer</c>: it reads that step's documents and no other's. Without a grant (a SessionService
/// before 1.1.0), the legacy shared key <see cref="ConnectorOptions.InternalKey"/> when one is set. The gateway never
/// routes <c>/internal</c>, so tenants cannot reach it.
/// </summary>
public sealed class HttpAttachmentReader(HttpClient http, IOptions<ConnectorOptions> options) : IAttachmentReader
{
    public const string InternalKeyHeader = "X-Finqware-Internal-Key";

    public Task<Stream> OpenAsync(AttachmentDescriptor attachment, CancellationToken cancellationToken) =>
        OpenAsync(attachment, null, cancellationToken);

    public async Task<Stream> OpenAsync(AttachmentDescriptor attachment, string? grant, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/internal/attachments/{attachment.AttachmentId}", UriKind.Relative));
        if (grant is { Length: > 0 })
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", grant);
        }
        else if (options.Value.InternalKey is { Length: > 0 } key)
        {
            request.Headers.Add(InternalKeyHeader, key);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new InvalidOperationException($"Attachment {attachment.AttachmentId} could not be read: SessionService answered {(int)response.StatusCode}.");
        }

        return await response.Content.ReadAsStreamAsync(cancellationToken);
    }
}
