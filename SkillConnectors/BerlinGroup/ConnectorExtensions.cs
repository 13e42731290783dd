using System.Security.Cryptography.X509Certificates;
using Finqware.SkillConnectors.Sdk;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Finqware.SkillConnectors.BerlinGroup;

public static class ConnectorExtensions
{
    /// <summary>
    /// Declares the skills of every bank in <c>BerlinGroup__Banks</c> and what they need: one HTTP client per bank (its client
    /// certificate, the standard resilience handler that retries reads only), the consent store and the callback's URLs.
    /// A setting that is missing or wrong stops the connector at start, naming it.
    /// </summary>
    public static ConnectorHost AddBerlinGroupBanks(this ConnectorHost connector)
    {
        var options = connector.Builder.Configuration.GetSection(BerlinGroupOptions.Section).Get<BerlinGroupOptions>() ?? new BerlinGroupOptions();
        if (options.Problems().ToList() is { Count: > 0 } problems)
        {
            throw new InvalidOperationException("The Berlin Group connector's configuration is incomplete:\n  " + string.Join("\n  ", problems));
        }

        connector.Services.AddOptions<BerlinGroupOptions>().BindConfiguration(BerlinGroupOptions.Section);
        foreach (var (key, bank) in options.Banks)
        {
            connector.Services.AddBankHttpClient(key, bank);
            connector.AddSkill(Skills.Aisp(key, bank))
                .HandleStep<ConsentHandler>(Skills.Consent)
                .HandleStep<ConfirmConsentHandler>(Skills.Confirm)
                .HandleConnections<ConsentConnectionHandler>();
            connector.AddSkill(Skills.Pisp(key, bank))
                .HandleStep<PaymentHandler>(Skills.Payment)
                .HandleStep<ConfirmPaymentHandler>(Skills.Confirm);
        }

        connector.Services.AddSingleton(services => new Banks(
            services.GetRequiredService<IOptions<BerlinGroupOptions>>(),
            key => services.GetRequiredService<IHttpClientFactory>().CreateClient(Banks.HttpClientPrefix + key),
            services.GetRequiredService<TimeProvider>()));
        connector.Services.AddSingleton<CallbackUrls>();
        connector.Services.AddSingleton<ConsentStore>();
        connector.Services.AddSingleton<AccountInformation>();
        return connector;
    }

    /// <summary>
    /// The bank's HTTP client: its client certificate, and the standard resilience handler (timeouts; retries with backoff on
    /// timeouts, 429 and 5xx, honouring Retry-After) that retries reads only: the defaults (ServiceDefaults) retry every method,
    /// and a bank's POST creates a consent or a payment.
    /// </summary>
    public static IHttpClientBuilder AddBankHttpClient(this IServiceCollection services, string key, BankOptions bank)
    {
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the default handler.
        var client = services.AddHttpClient(Banks.HttpClientPrefix + key).ConfigurePrimaryHttpMessageHandler(() => Handler(bank.ClientCertificate));
        client.RemoveAllResilienceHandlers().AddStandardResilienceHandler(resilience => resilience.Retry.DisableForUnsafeHttpMethods());
#pragma warning restore EXTEXP0001
        return client;
    }

    /// <summary>The bank's TLS: the client certificate (PEM with its key, PFX, or a Kubernetes TLS secret's files) when one is set.</summary>
    public static HttpMessageHandler Handler(ClientCertificateOptions certificate)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (certificate.IsSet)
        {
            handler.SslOptions.ClientCertificates = [Load(certificate)];
        }

        return handler;
    }

    public static X509Certificate2 Load(ClientCertificateOptions certificate)
    {
        var (file, key) = certificate.Files();
        if (key is not null)
        {
            using var pem = X509Certificate2.CreateFromPemFile(file!, key);
            // Exported and loaded again: on Linux a PEM key is ephemeral and SslStream needs one it can use for the handshake.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(file!, certificate.Password);
    }
}
