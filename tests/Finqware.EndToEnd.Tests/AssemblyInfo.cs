[assembly: AssemblyFixture(typeof(Finqware.Testing.SystemFixture))]

namespace Finqware.EndToEnd.Tests
{
    /// <summary>
    /// The test classes that share the booted system run one after another: one of them kills and restarts a service,
    /// which the others must not see in the middle of their flows.
    /// </summary>
    [CollectionDefinition(Name)]
    public sealed class SharedSystem
    {
        public const string Name = "shared system";
    }
}
