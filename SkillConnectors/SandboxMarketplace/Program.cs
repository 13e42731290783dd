using Finqware.SkillConnectors.SandboxMarketplace;
using Finqware.SkillConnectors.Sdk;

var connector = ConnectorHost.CreateBuilder(args);
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
connector.Build().Run();
