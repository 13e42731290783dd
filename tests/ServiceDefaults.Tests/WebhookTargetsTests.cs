using System.Net;
using Finqware.ServiceDefaults.Http;

namespace Finqware.ServiceDefaults.Tests;

public sealed class WebhookTargetsTests
{
    [Theory]
    [InlineData("https://wallet.example/finqware")]
    [InlineData("https://93.184.216.34/hooks")]
    [InlineData("https://[2606:2800:220:1:248:1893:25c8:1946]/hooks")]
    public void A_public_https_url_is_accepted_everywhere(string url)
    {
        Assert.Null(WebhookTargets.Refusal(url, development: false));
        Assert.Null(WebhookTargets.Refusal(url, development: true));
    }

    [Theory]
    [InlineData("http://wallet.example/finqware")]
    [InlineData("ftp://wallet.example/finqware")]
    [InlineData("https://user:pass@wallet.example/finqware")]
    [InlineData("/relative/hooks")]
    [InlineData("https://127.0.0.1/hooks")]
    [InlineData("https://localhost/hooks")]
    [InlineData("https://api.localhost/hooks")]
    [InlineData("https://10.0.0.5/hooks")]
    [InlineData("https://172.16.3.4/hooks")]
    [InlineData("https://192.168.1.10/hooks")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://100.64.0.1/hooks")]
    [InlineData("https://0.0.0.0/hooks")]
    [InlineData("https://[::1]/hooks")]
    [InlineData("https://[fe80::1]/hooks")]
    [InlineData("https://[fd00::1]/hooks")]
    [InlineData("https://[::ffff:10.0.0.1]/hooks")]
    [InlineData("https://2130706433/hooks")]
    public void In_production_plain_http_credentials_and_non_public_addresses_are_refused(string url)
    {
        Assert.NotNull(WebhookTargets.Refusal(url, development: false));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000/hooks")]
    [InlineData("http://localhost:5000/hooks")]
    [InlineData("http://[::1]:5000/hooks")]
    [InlineData("https://127.0.0.1:5001/hooks")]
    public void While_developing_loopback_is_accepted_over_http_too(string url)
    {
        Assert.Null(WebhookTargets.Refusal(url, development: true));
    }

    [Theory]
    [InlineData("http://wallet.example/finqware")]
    [InlineData("http://10.0.0.5/hooks")]
    [InlineData("https://10.0.0.5/hooks")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[fe80::1]/hooks")]
    public void While_developing_plain_http_elsewhere_than_loopback_and_private_addresses_are_refused(string url)
    {
        Assert.NotNull(WebhookTargets.Refusal(url, development: true));
    }

    [Fact]
    public async Task At_delivery_a_name_that_resolves_to_loopback_is_refused_outside_development()
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = (context, cancellationToken) => WebhookTargets.ConnectAsync(context, development: false, cancellationToken),
        });

        var refused = await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync(new Uri("http://localhost:9/hooks")));
        Assert.Contains("no public address", refused.ToString(), StringComparison.Ordinal);

        using var developing = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = (context, cancellationToken) => WebhookTargets.ConnectAsync(context, development: true, cancellationToken),
        });
        var linkLocal = await Assert.ThrowsAnyAsync<HttpRequestException>(() => developing.GetAsync(new Uri("http://169.254.169.254/latest")));
        Assert.Contains("no public address (nor loopback)", linkLocal.ToString(), StringComparison.Ordinal);
        Assert.True(WebhookTargets.IsPublic(IPAddress.Parse("93.184.216.34")));
        Assert.False(WebhookTargets.IsPublic(IPAddress.Parse("169.254.169.254")));
    }
}
