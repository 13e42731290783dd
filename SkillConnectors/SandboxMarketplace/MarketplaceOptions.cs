namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary>Settings of the sandbox marketplace (section <c>SandboxMarketplace</c>, e.g. <c>SandboxMarketplace__VerificationDelay</c>).</summary>
public sealed class MarketplaceOptions
{
    public const string Section = "SandboxMarketplace";

    /// <summary>How long the simulated offline identity verification (kyc_documents) takes before it is decided.</summary>
    public TimeSpan VerificationDelay { get; set; } = TimeSpan.FromSeconds(10);
}
