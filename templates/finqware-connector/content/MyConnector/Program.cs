using MyConnector;
using Finqware.SkillConnectors.Sdk;

var connector = ConnectorHost.CreateBuilder(args);
connector.AddMyConnector();
connector.Build().Run();
