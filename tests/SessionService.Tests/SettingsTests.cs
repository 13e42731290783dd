using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Finqware.SessionService.Tests;

/// <summary>A setting SessionService cannot use stops it at start, naming its key: no infrastructure is reached first.</summary>
public sealed class SettingsTests
{
    [Theory]
    [InlineData("Webhooks:PollInterval", "soon")]
    [InlineData("Webhooks:MaxAttempts", "0")]
    [InlineData("Sessions:ExpiryBatchSize", "0")]
    [InlineData("Skills:LivenessWindow", "15 seconds")]
    [InlineData("Uploads:MaxBytes", "0")]
    [InlineData("Connections:SweepInterval", "a minute")]
    [InlineData("TenantTokens:Issuer", "")]
    [InlineData("Nonces:RootKey", "c2hvcnQ=")]
    public void A_setting_it_cannot_use_fails_the_start_with_its_key(string key, string value)
    {
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            web.UseSetting("ConnectionStrings:sessiondb", "Host=127.0.0.1;Port=1;Database=nowhere;Username=nobody");
            web.UseSetting("ConnectionStrings:messaging", "amqp://guest:guest@127.0.0.1:1/");
            web.UseSetting(key, value);
        });

        var failure = Assert.ThrowsAny<Exception>(() => factory.Services);

        var messages = string.Join("\n", Chain(failure).Select(e => e.Message));
        Assert.Contains(key, messages, StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Chain(Exception exception) =>
        exception is AggregateException aggregate
            ? [exception, .. aggregate.InnerExceptions.SelectMany(Chain)]
            : exception.InnerException is { } inner ? [exception, .. Chain(inner)] : [exception];
}
