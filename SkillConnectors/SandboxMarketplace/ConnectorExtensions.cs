using Finqware.SkillConnectors.Sdk;

namespace Finqware.SkillConnectors.SandboxMarketplace;

public static class ConnectorExtensions
{
    /// <summary>Declares the marketplace's two skills (a deposit, a credit card), which share their step handlers.</summary>
    public static ConnectorHost AddSandboxMarketplace(this ConnectorHost connector)
    {
        ArgumentNullException.ThrowIfNull(connector);
        connector.Services.AddOptions<MarketplaceOptions>().BindConfiguration(MarketplaceOptions.Section)
            .Validate(o => o.VerificationDelay >= TimeSpan.Zero, $"{MarketplaceOptions.Section}:VerificationDelay must not be negative.").ValidateOnStart();
        connector.AddSkill(DepositSkill.Manifest)
            .HandleStep<ProductFormHandler>("product_form")
            .HandleStep<PersonalDataHandler>("personal_data")
            .HandleStep<KycDocumentsHandler>("kyc_documents")
            .HandleStep<SignContractHandler>("sign_contract")
            .AddSkill(CreditCardSkill.Manifest)
            .HandleStep<CardFormHandler>("card_form")
            .HandleStep<PersonalDataHandler>("personal_data")
            .HandleStep<KycDocumentsHandler>("kyc_documents")
            .HandleStep<SignAgreementHandler>("sign_agreement");
        return connector;
    }
}
