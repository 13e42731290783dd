using Finqware.SkillConnectors.ExampleConnector;
using Finqware.SkillConnectors.Sdk;

var connector = ConnectorHost.CreateBuilder(args);
connector.AddSkill(EchoSkill.Manifest).HandleStep<GreetingHandler>("greeting");
connector.Build().Run();
