// One packing per test run (scripts/pack.sh into a folder feed), shared by every test of the packages; one PostgreSQL
// and one RabbitMQ, which the connectors made from the template use through FINQWARE_TEST_* in their own tests.
[assembly: AssemblyFixture(typeof(Finqware.ConnectorKit.Tests.KitFeed))]
[assembly: AssemblyFixture(typeof(Finqware.Testing.PostgresServerFixture))]
[assembly: AssemblyFixture(typeof(Finqware.Testing.RabbitMqFixture))]
