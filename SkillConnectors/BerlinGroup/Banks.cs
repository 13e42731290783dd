using Microsoft.Extensions.Options;

namespace Finqware.SkillConnectors.BerlinGroup;

/// <summary>The configured banks, found by skill id: <c>{key}_aisp_#1.0</c> and <c>{key}_pisp_#1.0</c>.</summary>
public sealed class Banks(IOptions<BerlinGroupOptions> options, Func<string, HttpClient> clients, TimeProvider clock)
{
    public const string HttpClientPrefix = "berlin-group-bank-";

    public BerlinGroupOptions Options => options.Value;

    public TimeProvider Clock => clock;

    public static string AispSkill(string key) => $"{key}_aisp_#1.0";

    public static string PispSkill(string key) => $"{key}_pisp_#1.0";

    public BankClient For(string skill)
    {
        var key = skill.Split('_')[0];
        return options.Value.Banks.TryGetValue(key, out var bank)
            ? new BankClient(clients(key), key, bank)
            : throw new InvalidOperationException($"No bank is configured for {skill}.");
    }
}
