using Finqware.SkillConnectors.SandboxBank;
using Finqware.SkillConnectors.Sdk;

var connector = ConnectorHost.CreateBuilder(args).AddSandboxBank();
var app = connector.Build();
app.MapAuthorisationPage();
app.Run();
