using Finqware.SkillConnectors.BerlinGroup;
using Finqware.SkillConnectors.Sdk;

var connector = ConnectorHost.CreateBuilder(args).AddBerlinGroupBanks();
var app = connector.Build();
app.MapBankCallback();
app.Run();
