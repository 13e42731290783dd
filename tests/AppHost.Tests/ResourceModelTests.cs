using Finqware.AppHost;
using Finqware.AppHost.Hosting;

namespace Finqware.AppHost.Tests;

/// <summary>References become exactly the environment variables docs/configuration.md lists (Aspire's conventions).</summary>
public sealed class ResourceModelTests
{
    private static FinqwareHostBuilder Declared()
    {
        var options = new FinqwareHostOptions
        {
            RepositoryRoot = FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)!,
            StateDirectory = Path.GetTempPath(),
            ExternalPostgres = "Host=db.internal;Port=5433;Username=finq;Password=s3cret",
            ExternalMessaging = "amqp://finq:s3cret@mq.internal:5673",
        };
        var builder = AppModel.Declare(FinqwareHost.CreateBuilder(options));
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            project.AssignPort(options);
        }

        return builder;
    }

    private static ProjectResource Project(FinqwareHostBuilder builder, string name) =>
        builder.Resources.OfType<ProjectResource>().Single(p => p.Name == name);

    [Fact]
    public void Declares_the_infrastructure_the_databases_the_services_and_the_gateway()
    {
        var names = Declared().Resources.Select(r => r.Name).ToList();

        Assert.Equal(
            ["postgres", "catalogdb", "tenantdb", "sessiondb", "messaging", "catalog", "tenants", "sessions", "example-connector", "exampleconnectordb", "sandbox-bank", "sandboxbankdb", "sandbox-marketplace", "sandboxmarketplacedb", "bank-mock", "berlin-group", "berlingroupdb", "portal", "gateway"],
            names);
    }

    [Fact]
    public void A_service_gets_its_database_the_broker_and_its_references_and_nothing_else()
    {
        var builder = Declared();
        var sessions = Project(builder, "sessions");
        var environment = sessions.BuildEnvironment(builder.Options);

        Assert.Equal("Host=db.internal;Port=5433;Username=finq;Password=s3cret;Database=sessiondb", environment["ConnectionStrings__sessiondb"]);
        Assert.Equal("amqp://finq:s3cret@mq.internal:5673", environment["ConnectionStrings__messaging"]);
        Assert.Equal(Project(builder, "catalog").Url, environment["services__catalog__http__0"]);
        Assert.Equal(Project(builder, "tenants").Url, environment["services__tenants__http__0"]);
        Assert.Equal(sessions.Url, environment["ASPNETCORE_URLS"]);
        Assert.Equal("sessions", environment["OTEL_SERVICE_NAME"]);
        Assert.StartsWith("service.instance.id=", environment["OTEL_RESOURCE_ATTRIBUTES"], StringComparison.Ordinal);
        Assert.Equal("Development", environment["ASPNETCORE_ENVIRONMENT"]);
        Assert.False(environment.ContainsKey("ConnectionStrings__catalogdb"));
        Assert.False(environment.ContainsKey("ConnectionStrings__tenantdb"));
        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("ReverseProxy__", StringComparison.Ordinal));
    }

    [Fact]
    public void A_connector_gets_its_own_database_as_connectordb_the_broker_and_the_sessions_service()
    {
        var builder = Declared();
        var connector = Project(builder, "example-connector");
        var environment = connector.BuildEnvironment(builder.Options);

        Assert.Equal("Host=db.internal;Port=5433;Username=finq;Password=s3cret;Database=exampleconnectordb", environment["ConnectionStrings__connectordb"]);
        Assert.Equal("amqp://finq:s3cret@mq.internal:5673", environment["ConnectionStrings__messaging"]);
        Assert.Equal(Project(builder, "sessions").Url, environment["services__sessions__http__0"]);
        Assert.False(environment.ContainsKey("ConnectionStrings__exampleconnectordb"));
    }

    [Fact]
    public void The_catalog_registers_each_providers_connectors_by_their_broker_user()
    {
        var builder = Declared();
        var environment = Project(builder, "catalog").BuildEnvironment(builder.Options);
        var messaging = builder.Resources.OfType<RabbitMqResource>().Single();

        // On an external broker every connector is the operator's user; on the local node each has its own.
        Assert.Equal("finq", environment["Catalog__Providers__xyz__0"]);
        Assert.False(environment.ContainsKey("Catalog__Providers__xyz__1"));
        Assert.Equal("finq", environment["Catalog__Providers__example__0"]);
        Assert.Equal(["example-connector", "sandbox-bank", "sandbox-marketplace", "berlin-group"], messaging.ConnectorUsers.Select(u => u.Name));
        Assert.Equal(["xyz_aisp_sbx_#1.0", "xyz_pisp_sbx_#1.0"], messaging.ConnectorUsers.Single(u => u.Name == "sandbox-bank").Skills);
        var (configure, write, read) = messaging.ConnectorUsers.Single(u => u.Name == "sandbox-bank").Permissions;
        Assert.Matches(read, "skill-xyz-aisp-sbx-1-0");
        Assert.Matches(read, "skill-xyz-pisp-sbx-1-0_error");
        Assert.DoesNotMatch(read, "skill-xyz-sbx-3-0");
        Assert.DoesNotMatch(write, "Finqware.Contracts.Skills:SkillRegistered");
        Assert.DoesNotMatch(write, "Finqware.Contracts.Tenants:TenantUpserted");
        Assert.Matches(write, "Finqware.Contracts.Sessions:StepProcessed");
        Assert.Equal(write, configure);
    }

    [Fact]
    public void A_connector_registered_by_the_command_line_gets_its_broker_user_and_its_providers_registration_and_no_process()
    {
        var root = FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)!;
        var options = FinqwareHostOptions.FromArgs(["--state-dir", Path.GetTempPath(), "--connector", "acme-bank:acme:acme_signup_sbx_#1.0,acme_card_sbx_#1.0"]);
        var builder = AppModel.Declare(FinqwareHost.CreateBuilder(options));
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            project.AssignPort(options);
        }

        var acme = Assert.Single(options.Connectors);
        Assert.Equal(("acme-bank", "acme"), (acme.Name, acme.Provider));
        Assert.Equal(["acme_signup_sbx_#1.0", "acme_card_sbx_#1.0"], acme.Skills);
        Assert.Equal(root, options.RepositoryRoot);
        Assert.Contains(acme, builder.Resources.OfType<RabbitMqResource>().Single().ConnectorUsers);
        Assert.DoesNotContain(builder.Resources, r => r.Name == "acme-bank");
        Assert.Equal("acme-bank", Project(builder, "catalog").BuildEnvironment(options)["Catalog__Providers__acme__0"]);
        Assert.Matches(acme.Permissions.Read, "skill-acme-card-sbx-1-0");
        Assert.Equal("acme_bank_connectordb", ProviderConnectors.DatabaseOf(acme));
    }

    [Theory]
    [InlineData("acme-bank:acme")]
    [InlineData("acme-bank:acme:")]
    [InlineData("Acme:acme:acme_signup_sbx_#1.0")]
    [InlineData("acme bank:acme:acme_signup_sbx_#1.0")]
    [InlineData("acme-bank:acme-x:acme_signup_sbx_#1.0")]
    [InlineData("acme-bank:acme:acme_signup_sbx_#1.0:extra")]
    public void A_connector_on_the_command_line_that_does_not_read_NAME_PROVIDER_SKILLS_stops_the_AppHost_naming_it(string value)
    {
        var refused = Assert.Throws<ArgumentException>(() => FinqwareHostOptions.FromArgs(["--connector", value]));

        Assert.Contains(value, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_connector_on_the_command_line_may_not_take_the_name_of_one_of_the_model()
    {
        var options = FinqwareHostOptions.FromArgs(["--state-dir", Path.GetTempPath(), "--connector", "sandbox-bank:xyz:xyz_aisp_sbx_#1.0"]);

        Assert.Throws<ArgumentException>(() => AppModel.Declare(FinqwareHost.CreateBuilder(options)));
    }

    [Fact]
    public void The_berlin_group_connector_waits_for_the_bank_mock_it_reaches_as_http_bank_mock_and_the_gateway_routes_its_callback()
    {
        var builder = Declared();
        var connector = Project(builder, "berlin-group");
        var gateway = Project(builder, "gateway");
        var environment = connector.BuildEnvironment(builder.Options);

        var mock = Assert.IsType<NodeResource>(builder.Resources.Single(r => r.Name == "bank-mock"));
        Assert.Equal("node", mock.Type);
        Assert.Contains(mock, connector.Dependencies);
        Assert.Contains("services__bank-mock__http__0", environment.Keys);
        Assert.Equal("http://bank-mock", environment["BerlinGroup__Banks__mockbank__BaseUrl"]);
        Assert.Equal(gateway.Url, environment["BerlinGroup__PublicBaseUrl"]);
        Assert.Equal("Host=db.internal;Port=5433;Username=finq;Password=s3cret;Database=berlingroupdb", environment["ConnectionStrings__connectordb"]);
        Assert.True(environment["BerlinGroup__CallbackKey"]!.Length >= 16);
        Assert.Equal(connector.Url, gateway.BuildEnvironment(builder.Options)["ReverseProxy__Clusters__berlin-group__Destinations__d1__Address"]);
        Assert.DoesNotContain(connector, gateway.Dependencies);
    }

    [Fact]
    public void The_sandbox_bank_gets_its_database_links_to_the_gateway_and_the_gateway_routes_to_it_without_either_waiting()
    {
        var builder = Declared();
        var bank = Project(builder, "sandbox-bank");
        var gateway = Project(builder, "gateway");
        var environment = bank.BuildEnvironment(builder.Options);

        Assert.Equal("Host=db.internal;Port=5433;Username=finq;Password=s3cret;Database=sandboxbankdb", environment["ConnectionStrings__connectordb"]);
        Assert.Equal(gateway.Url, environment["SandboxBank__PublicBaseUrl"]);
        Assert.Equal(bank.Url, gateway.BuildEnvironment(builder.Options)["ReverseProxy__Clusters__sandbox-bank__Destinations__d1__Address"]);
        Assert.DoesNotContain(gateway, bank.Dependencies);
        Assert.DoesNotContain(bank, gateway.Dependencies);
    }

    [Fact]
    public void The_portal_calls_the_gateway_and_the_gateway_routes_portal_to_it_without_either_waiting()
    {
        var builder = Declared();
        var portal = Project(builder, "portal");
        var gateway = Project(builder, "gateway");
        var environment = portal.BuildEnvironment(builder.Options);

        Assert.Equal(gateway.Url, environment["services__gateway__http__0"]);
        Assert.Equal(gateway.Url, environment["Portal__PublicBaseUrl"]);
        Assert.Equal(portal.Url, gateway.BuildEnvironment(builder.Options)["ReverseProxy__Clusters__portal__Destinations__d1__Address"]);
        Assert.DoesNotContain(gateway, portal.Dependencies);
        Assert.DoesNotContain(portal, gateway.Dependencies);
        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal));
    }

    [Fact]
    public void The_gateway_gets_one_yarp_cluster_destination_per_service_on_port_5080()
    {
        var builder = Declared();
        var gateway = Project(builder, "gateway");
        var environment = gateway.BuildEnvironment(builder.Options);

        Assert.Equal(5080, gateway.Port);
        foreach (var service in new[] { "catalog", "tenants", "sessions" })
        {
            Assert.Equal(Project(builder, service).Url, environment[$"ReverseProxy__Clusters__{service}__Destinations__d1__Address"]);
            Assert.Equal(Project(builder, service).Url, environment[$"services__{service}__http__0"]);
        }

        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal));
    }

    [Fact]
    public void Random_ports_leave_the_fixed_gateway_port_alone_and_never_repeat()
    {
        var options = new FinqwareHostOptions
        {
            RepositoryRoot = FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)!,
            StateDirectory = Path.GetTempPath(),
            RandomPorts = true,
        };
        var builder = AppModel.Declare(FinqwareHost.CreateBuilder(options));
        var projects = builder.Resources.OfType<ProjectResource>().ToList();
        projects.ForEach(p => p.AssignPort(options));

        Assert.DoesNotContain(projects, p => p.Port == 5080);
        Assert.Equal(projects.Count, projects.Select(p => p.Port).Distinct().Count());
    }

    [Fact]
    public void Projects_are_launched_from_the_build_output_of_the_apphosts_configuration()
    {
        var builder = Declared();
        var catalog = Project(builder, "catalog");

        var assembly = catalog.ResolveAssembly(builder.Options);

        Assert.EndsWith(Path.Combine("CatalogService", "bin", builder.Options.BuildConfiguration, "net10.0", "CatalogService.dll"), assembly, StringComparison.Ordinal);
        Assert.True(File.Exists(assembly), $"{assembly} should be built with the solution");
    }

    [Fact]
    public void Only_starts_the_named_resources_and_what_they_depend_on_in_declaration_order()
    {
        Assert.Equal(
            ["postgres", "catalogdb", "tenantdb", "sessiondb", "messaging", "catalog", "tenants", "sessions", "sandbox-bank", "sandboxbankdb", "gateway"],
            Only("gateway", "sandbox-bank").Resources.Select(r => r.Name));
        Assert.Equal(["postgres", "catalogdb", "messaging", "catalog"], Only("catalog").Resources.Select(r => r.Name));
    }

    [Fact]
    public void A_gateway_started_without_the_sandbox_bank_gets_no_route_to_it_and_with_it_gets_its_address()
    {
        var alone = Only("gateway");
        var withBank = Only("gateway", "sandbox-bank");

        var aloneEnvironment = ((ProjectResource)alone["gateway"]).BuildEnvironment(alone.Options);
        var withBankEnvironment = ((ProjectResource)withBank["gateway"]).BuildEnvironment(withBank.Options);

        Assert.DoesNotContain(alone.Resources, r => r.Name == "sandbox-bank");
        Assert.False(aloneEnvironment.ContainsKey("ReverseProxy__Clusters__sandbox-bank__Destinations__d1__Address"));
        Assert.Equal(((ProjectResource)alone["sessions"]).Url, aloneEnvironment["ReverseProxy__Clusters__sessions__Destinations__d1__Address"]);
        Assert.Equal(((ProjectResource)withBank["sandbox-bank"]).Url, withBankEnvironment["ReverseProxy__Clusters__sandbox-bank__Destinations__d1__Address"]);
    }

    [Fact]
    public void Only_an_undeclared_name_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Only("gateway", "no-such-connector"));

        Assert.Contains("no-such-connector", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The model built with <see cref="FinqwareHostOptions.Only"/>, its projects given ports as a start would.</summary>
    private static FinqwareHost Only(params string[] names)
    {
        var options = new FinqwareHostOptions
        {
            RepositoryRoot = FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)!,
            StateDirectory = Path.GetTempPath(),
            RandomPorts = true,
            Only = names,
        };
        var host = AppModel.Declare(FinqwareHost.CreateBuilder(options)).Build();
        foreach (var project in host.Resources.OfType<ProjectResource>())
        {
            project.AssignPort(options);
        }

        return host;
    }

    [Fact]
    public void Duplicate_names_are_refused()
    {
        var builder = Declared();

        Assert.Throws<InvalidOperationException>(() => builder.AddProject("catalog", "../CatalogService/CatalogService.csproj"));
    }
}
