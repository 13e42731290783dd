using Finqware.AppHost.Hosting;

namespace Finqware.AppHost;

/// <summary>
/// The resources of Finqware and how they reference each other, declared the way a .NET Aspire app host declares
/// them. <c>Program.cs</c> runs it; the end-to-end tests boot the very same model on free ports.
/// </summary>
public static class AppModel
{
    /// <summary>The resource name of the sandbox marketplace connector (tests shorten its verification delay by it).</summary>
    public const string SandboxMarketplace = "sandbox-marketplace";

    /// <summary>The Berlin Group NextGenPSD2 connector, and the mock of the bank it serves locally.</summary>
    public const string BerlinGroup = "berlin-group";

    public const string BankMock = "bank-mock";

    /// <summary>The developer portal, served by the gateway under /portal/.</summary>
    public const string Portal = "portal";

    public static FinqwareHostBuilder Declare(FinqwareHostBuilder app)
    {
        var postgres = app.AddPostgres("postgres");
        var catalogDb = postgres.AddDatabase("catalogdb");
        var tenantDb = postgres.AddDatabase("tenantdb");
        var sessionDb = postgres.AddDatabase("sessiondb");
        var messaging = app.AddRabbitMq("messaging");

        var catalog = app.AddProject("catalog", "../CatalogService/CatalogService.csproj")
            .WithReference(catalogDb).WithReference(messaging);

        var tenants = app.AddProject("tenants", "../TenantService/TenantService.csproj")
            .WithReference(tenantDb).WithReference(messaging).WithReference(catalog)
            .WithGeneratedSecret("Tokens__KeyEncryptionKey", "token-key-encryption-key")
            .WithPublicKeyOf("WebhookSealing__PublicKey", "webhook-sealing-key")
            .WithGeneratedSecret("InternalApi__Key", "tenants-internal-key");

        var sessions = app.AddProject("sessions", "../SessionService/SessionService.csproj")
            .WithReference(sessionDb).WithReference(messaging).WithReference(catalog).WithReference(tenants)
            .WithGeneratedSecret("Nonces__RootKey", "nonce-root-key")
            .WithGeneratedPrivateKey("WebhookSealing__PrivateKey", "webhook-sealing-key")
            .WithGeneratedSecret("TenantRegistry__InternalKey", "tenants-internal-key");

        // Skill connectors: independently deployed workers, one process each, with a database of their own and a broker
        // user of their own that reaches only their skills' queues (WithBrokerUser: the provider, the skills).
        app.AddProject("example-connector", "../SkillConnectors/ExampleConnector/ExampleConnector.csproj")
            .WithReference(postgres.AddDatabase("exampleconnectordb"), "connectordb")
            .WithBrokerUser(messaging, "example", "example_echo_sbx_#1.0").WithReference(sessions);

        // The sandbox bank (provider xyz): its authorisation page for redirect SCA is reached through the gateway under
        // /sandbox/, so it links to the gateway's address; neither waits for the other.
        var sandboxBank = app.AddProject("sandbox-bank", "../SkillConnectors/SandboxBank/SandboxBank.csproj")
            .WithReference(postgres.AddDatabase("sandboxbankdb"), "connectordb")
            .WithBrokerUser(messaging, "xyz", "xyz_aisp_sbx_#1.0", "xyz_pisp_sbx_#1.0").WithReference(sessions);

        // The sandbox marketplace of provider xyz: the term deposit (xyz_sbx_#3.0) and the credit card (xyz_cc_sbx_#1.0).
        app.AddProject(SandboxMarketplace, "../SkillConnectors/SandboxMarketplace/SandboxMarketplace.csproj")
            .WithReference(postgres.AddDatabase("sandboxmarketplacedb"), "connectordb")
            .WithBrokerUser(messaging, "xyz", "xyz_sbx_#3.0", "xyz_cc_sbx_#1.0").WithReference(sessions);

        // A production-flavor connector for banks that speak Berlin Group NextGenPSD2 (docs/berlin-group.md). Locally its one bank,
        // mockbank, is the bank-mock: Stoplight Prism answering with the official specification's examples. The bank sends users
        // back through the gateway (/bank-callback/berlin-group/), so the connector links to the gateway's address.
        var bankMock = app.AddPrismMock(BankMock, "specs/berlin-group-nextgenpsd2-1.3.11.yaml");
        var berlinGroup = app.AddProject(BerlinGroup, "../SkillConnectors/BerlinGroup/BerlinGroup.csproj")
            .WithReference(postgres.AddDatabase("berlingroupdb"), "connectordb")
            .WithBrokerUser(messaging, "mockbank", "mockbank_aisp_#1.0", "mockbank_pisp_#1.0").WithReference(sessions).WithReference(bankMock)
            .WithGeneratedSecret("BerlinGroup__CallbackKey", "berlin-group-callback-key")
            .WithEnvironment("BerlinGroup__Banks__mockbank__BaseUrl", $"http://{BankMock}")
            .WithEnvironment("BerlinGroup__Banks__mockbank__DisplayName", "Mock Bank (Prism: the NextGenPSD2 1.3.11 examples)");

        // Connectors a skill provider runs from its own repository, registered by --connector (docs/connectors.md).
        ProviderConnectors.Declare(app, messaging, postgres);

        // Which connector may announce which provider's skills: each connector's own broker user (docs/security.md).
        catalog.WithConnectorRegistryOf(messaging);

        // The developer portal (docs/portal.md): web pages the gateway serves under /portal/, calling the public API through the
        // gateway like any tenant developer's tool; neither waits for the other.
        var portal = app.AddProject(Portal, "../Portal/Portal.csproj");

        var gateway = app.AddProject("gateway", "../Gateway/Gateway.csproj")
            .WithHttpEndpoint(5080)
            .WithReverseProxyTo(catalog, tenants, sessions)
            .WithGeneratedSecret("Cors__InternalKey", "tenants-internal-key")
            .WithUrlOf(ResourceEnvironment.ReverseProxyDestination(sandboxBank.Name), sandboxBank)
            .WithUrlOf(ResourceEnvironment.ReverseProxyDestination(berlinGroup.Name), berlinGroup)
            .WithUrlOf(ResourceEnvironment.ReverseProxyDestination(portal.Name), portal)
            .WaitFor(catalog).WaitFor(tenants).WaitFor(sessions);
        sandboxBank.WithUrlOf("SandboxBank__PublicBaseUrl", gateway);
        berlinGroup.WithUrlOf("BerlinGroup__PublicBaseUrl", gateway);
        portal.WithUrlOf(ResourceEnvironment.ServiceEndpoint(gateway.Name), gateway).WithUrlOf("Portal__PublicBaseUrl", gateway);

        app.OnStarted(SandboxDemo.EnsureAsync);
        return app;
    }
}
