[assembly: AssemblyFixture(typeof(Finqware.Testing.PostgresServerFixture))]
