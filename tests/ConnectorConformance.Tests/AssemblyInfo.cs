[assembly: AssemblyFixture(typeof(Finqware.Testing.PostgresServerFixture))]
[assembly: AssemblyFixture(typeof(Finqware.Testing.RabbitMqFixture))]
