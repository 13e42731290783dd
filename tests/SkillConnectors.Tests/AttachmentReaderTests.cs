using Finqware.Contracts.Sessions;
using Finqware.SkillConnectors.Sdk;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Finqware.SkillConnectors.Tests;

/// <summary>The SDK reads attachments from SessionService's internal endpoint, here a real HTTP server on loopback.</summary>
public sealed class AttachmentReaderTests : IAsyncLifetime
{
    private static readonly byte[] Document = [0x25, 0x50, 0x44, 0x46, 0x2D, 1, 2, 3];
    private static readonly Guid Known = Guid.NewGuid();
    private WebApplication server = null!;
    private string url = null!;
    private string? seenKey;
    private string? seenAuthorization;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        server = builder.Build();
        server.MapGet("/internal/attachments/{id:guid}", (Guid id, HttpRequest request) =>
        {
            seenKey = request.Headers[HttpAttachmentReader.InternalKeyHeader];
            seenAuthorization = request.Headers.Authorization;
            return id == Known ? Results.Bytes(Document, "application/pdf") : Results.NotFound();
        });
        await server.StartAsync();
        url = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async ValueTask DisposeAsync() => await server.DisposeAsync();

    private HttpAttachmentReader Reader() => new(
        new HttpClient { BaseAddress = new Uri(url) },
        Options.Create(new ConnectorOptions { InternalKey = "shared-internal-key" }));

    private static AttachmentDescriptor Descriptor(Guid id) => new() { AttachmentId = id, Kind = "contract", ContentType = "application/pdf", Size = 8, Sha256 = "" };

    [Fact]
    public async Task Reads_the_bytes_with_the_steps_grant_and_not_the_legacy_key()
    {
        await using var stream = await Reader().OpenAsync(Descriptor(Known), "the-steps-grant", TestContext.Current.CancellationToken);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, TestContext.Current.CancellationToken);

        Assert.Equal(Document, copy.ToArray());
        Assert.Equal("Bearer the-steps-grant", seenAuthorization);
        Assert.True(string.IsNullOrEmpty(seenKey));
    }

    [Fact]
    public async Task Without_a_grant_it_falls_back_to_the_legacy_internal_key()
    {
        await using var stream = await Reader().OpenAsync(Descriptor(Known), TestContext.Current.CancellationToken);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, TestContext.Current.CancellationToken);

        Assert.Equal(Document, copy.ToArray());
        Assert.Equal("shared-internal-key", seenKey);
    }

    [Fact]
    public async Task An_attachment_sessionservice_does_not_have_is_a_clear_error()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Reader().OpenAsync(Descriptor(Guid.NewGuid()), TestContext.Current.CancellationToken));

        Assert.Contains(((int)HttpStatusCode.NotFound).ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }
}
