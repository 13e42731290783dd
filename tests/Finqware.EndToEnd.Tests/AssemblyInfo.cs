[assembly: AssemblyFixture(typeof(Finqware.Testing.SystemFixture))]
