using Finqware.SkillConnectors.SandboxBank;
using Finqware.SkillConnectors.Sdk;

var connector = ConnectorHost.CreateBuilder(args);
connector.Services.AddOptions<SandboxBankOptions>().BindConfiguration(SandboxBankOptions.Section);
connector.Services.AddSingleton<ConnectionStore>();
connector.Services.AddSingleton<AccountInformation>();
connector.Services.AddSingleton<PaymentInitiation>();

connector.AddSkill(Skills.AispManifest)
    .HandleStep<CredentialsHandler>("credentials")
    .HandleStep<ConsentScaHandler>("sca")
    .HandleConnections<AispConnectionHandler>();
connector.AddSkill(Skills.PispManifest)
    .HandleStep<PaymentFormHandler>("payment_form")
    .HandleStep<CredentialsHandler>("credentials")
    .HandleStep<PaymentScaHandler>("sca");

var app = connector.Build();
app.MapAuthorisationPage();
app.Run();
