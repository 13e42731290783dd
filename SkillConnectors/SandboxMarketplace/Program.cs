using Finqware.SkillConnectors.SandboxMarketplace;
using Finqware.SkillConnectors.Sdk;

ConnectorHost.CreateBuilder(args).AddSandboxMarketplace().Build().Run();
