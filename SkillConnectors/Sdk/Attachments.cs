using Finqware.Contracts.Sessions;
using Microsoft.Extensions.Options;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>Reads uploaded documents from SessionService's internal endpoint.</summary>
public interface IAttachmentReader
{
    Task<Stream> OpenAsync(AttachmentDescriptor attachment, CancellationToken cancellationToken);
}

/// <summary>
/// <c>GET http://sessions/internal/attachments/{id}</c> (service discovery), with the shared internal key in
/// <c>X-Finqware-Internal-Key</c>; the gateway never routes <c>/internal</c>, so tenants cannot reach it.
/// </summary>
public sealed class HttpAttachmentReader(HttpClient http, IOptions<ConnectorOptions> options) : IAttachmentReader
{
    public const string InternalKeyHeader = "X-Finqware-Internal-Key";

    public async Task<Stream> OpenAsync(AttachmentDescriptor attachment, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/internal/attachments/{attachment.AttachmentId}", UriKind.Relative));
        if (options.Value.InternalKey is { Length: > 0 } key)
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

