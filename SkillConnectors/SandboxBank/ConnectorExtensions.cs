using Finqware.SkillConnectors.Sdk;

namespace Finqware.SkillConnectors.SandboxBank;

public static class ConnectorExtensions
{
    /// <summary>Declares the sandbox bank's skills (AIS with refresh and revoke, PIS) and the services their handlers use.</summary>
    public static ConnectorHost AddSandboxBank(this ConnectorHost connector)
    {
        ArgumentNullException.ThrowIfNull(connector);
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
        return connector;
    }
}
