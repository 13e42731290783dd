using System.Text.RegularExpressions;

namespace Finqware.SkillConnectors.BerlinGroup;

/// <summary>The connector's settings (<c>BerlinGroup__*</c>, docs/berlin-group.md): the banks it serves and how it polls them.</summary>
public sealed partial class BerlinGroupOptions
{
    public const string Section = "BerlinGroup";

    /// <summary>The gateway's public address: the bank sends the user back to <c>{PublicBaseUrl}/bank-callback/berlin-group/…</c>.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The key the callback's <c>state</c> is signed with (HMAC-SHA256), so that only the bank the URL was given to can use it.</summary>
    public string? CallbackKey { get; set; }

    /// <summary>The banks, by key (lower-case letters and digits): each gives the skills <c>{key}_aisp_#1.0</c> and <c>{key}_pisp_#1.0</c>.</summary>
    public Dictionary<string, BankOptions> Banks { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The first wait before a decoupled authorisation's or a payment's status is asked again; each wait is 1.5 times the one before.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between two polls.</summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a status is polled before the connector gives up (SCA_TIMEOUT for an authorisation; a payment keeps its last status).</summary>
    public int MaxPolls { get; set; } = 20;

    /// <summary>A redirect the user never comes back from: its consent or payment status is asked once this long after, then the step ends.</summary>
    public TimeSpan RedirectTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The most pages of transactions read per account (<c>_links.next</c>).</summary>
    public int MaxTransactionPages { get; set; } = 50;

    /// <summary>The problems that keep the connector from starting, each naming its setting.</summary>
    public IEnumerable<string> Problems()
    {
        if (Banks.Count == 0)
        {
            yield return $"{Section}__Banks: configure at least one bank (BerlinGroup__Banks__<key>__BaseUrl).";
        }

        if (string.IsNullOrWhiteSpace(CallbackKey) || CallbackKey.Length < 16)
        {
            yield return $"{Section}__CallbackKey: set a random secret of at least 16 characters (the AppHost generates one).";
        }

        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out _))
        {
            yield return $"{Section}__PublicBaseUrl: set the gateway's public address (the bank sends the user back through it).";
        }

        foreach (var (key, bank) in Banks)
        {
            if (!BankKey().IsMatch(key))
            {
                yield return $"{Section}__Banks__{key}: a bank's key is 2 to 32 lower-case letters and digits, starting with a letter.";
            }

            foreach (var problem in bank.Problems())
            {
                yield return $"{Section}__Banks__{key}__{problem}";
            }
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9]{1,31}$")]
    private static partial Regex BankKey();
}

/// <summary>One bank that speaks NextGenPSD2 1.3.x.</summary>
public sealed class BankOptions
{
    /// <summary>Shown in the catalog, e.g. "Mock Bank".</summary>
    public string? DisplayName { get; set; }

    /// <summary>The XS2A interface's root, before <c>/v1/…</c>, e.g. <c>https://api.bank.example/psd2</c>.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The client certificate for mutual TLS (the QWAC in production). Unset: no client certificate (a local mock over http).</summary>
    public ClientCertificateOptions ClientCertificate { get; set; } = new();

    /// <summary>The SCA approaches the bank supports, in the order the connector prefers them (REDIRECT, DECOUPLED, EMBEDDED).</summary>
    public List<string> ScaApproaches { get; set; } = [];

    /// <summary>The bank requires <c>PSU-ID</c> when a consent or a payment is created: the step's <c>psu_id</c> is then required.</summary>
    public bool PsuIdRequired { get; set; }

    /// <summary>The bank requires signed requests (<c>Digest</c>, <c>Signature</c>, <c>TPP-Signature-Certificate</c>): not supported yet, refused at start.</summary>
    public bool RequiresSignature { get; set; }

    /// <summary>
    /// What the consent asks for: <c>allAccounts</c> (<c>access.allPsd2</c>) or <c>bankOffered</c> (empty account lists: the user picks the
    /// accounts at the bank).
    /// </summary>
    public string ConsentAccess { get; set; } = "bankOffered";

    /// <summary>How long a consent is asked for (at most 180 days under PSD2's RTS).</summary>
    public int ConsentValidityDays { get; set; } = 90;

    /// <summary>Unattended reads a day the consent allows (PSD2: 4).</summary>
    public int FrequencyPerDay { get; set; } = 4;

    /// <summary>How far back transactions are read (<c>dateFrom</c>).</summary>
    public int TransactionDays { get; set; } = 90;

    /// <summary>The payment product of the PISP skill.</summary>
    public string PaymentProduct { get; set; } = "sepa-credit-transfers";

    /// <summary>Sent as <c>PSU-IP-Address</c> when a step gives none (the tenant should send the user's address as <c>psu_ip_address</c>).</summary>
    public string DefaultPsuIpAddress { get; set; } = "192.0.2.1";

    public static readonly string[] KnownApproaches = ["REDIRECT", "DECOUPLED", "EMBEDDED"];

    public IReadOnlyList<string> Approaches => ScaApproaches.Count == 0 ? KnownApproaches : ScaApproaches;

    public IEnumerable<string> Problems()
    {
        if (BaseUrl is null || !BaseUrl.IsAbsoluteUri || BaseUrl.Scheme is not ("http" or "https"))
        {
            yield return "BaseUrl: the bank's XS2A address (http or https).";
        }

        if (ScaApproaches.Except(KnownApproaches).ToList() is { Count: > 0 } unknown)
        {
            yield return $"ScaApproaches: {string.Join(", ", unknown)} unknown; use REDIRECT, DECOUPLED or EMBEDDED (OAuth is not supported yet).";
        }

        if (RequiresSignature)
        {
            yield return "RequiresSignature: signed requests (Digest, Signature) are not supported yet (docs/berlin-group.md).";
        }

        if (ConsentAccess is not ("allAccounts" or "bankOffered"))
        {
            yield return "ConsentAccess: allAccounts or bankOffered.";
        }

        if (ConsentValidityDays is < 1 or > 180)
        {
            yield return "ConsentValidityDays: 1 to 180.";
        }

        if (FrequencyPerDay is < 1 or > 100 || TransactionDays is < 1 or > 730)
        {
            yield return "FrequencyPerDay (1 to 100) and TransactionDays (1 to 730).";
        }

        foreach (var problem in ClientCertificate.Problems())
        {
            yield return "ClientCertificate__" + problem;
        }
    }
}

/// <summary>
/// The client certificate for mutual TLS: a PEM certificate with its PEM key (<c>Path</c> + <c>KeyPath</c>), a PFX/PKCS#12 file
/// (<c>Path</c> + <c>Password</c>), or a mounted Kubernetes TLS secret (<c>SecretDirectory</c> holding <c>tls.crt</c> and <c>tls.key</c>).
/// </summary>
public sealed class ClientCertificateOptions
{
    public string? Path { get; set; }

    public string? KeyPath { get; set; }

    public string? Password { get; set; }

    public string? SecretDirectory { get; set; }

    public bool IsSet => !string.IsNullOrWhiteSpace(Path) || !string.IsNullOrWhiteSpace(SecretDirectory);

    public IEnumerable<string> Problems()
    {
        var (certificate, key) = Files();
        if (certificate is not null && !File.Exists(certificate))
        {
            yield return $"Path: {certificate} does not exist.";
        }

        if (key is not null && !File.Exists(key))
        {
            yield return $"KeyPath: {key} does not exist.";
        }
    }

    /// <summary>The certificate file and its key file (null for a PFX, whose key is inside).</summary>
    public (string? Certificate, string? Key) Files() => !string.IsNullOrWhiteSpace(SecretDirectory)
        ? (System.IO.Path.Combine(SecretDirectory, "tls.crt"), System.IO.Path.Combine(SecretDirectory, "tls.key"))
        : (string.IsNullOrWhiteSpace(Path) ? null : Path, string.IsNullOrWhiteSpace(KeyPath) ? null : KeyPath);
}
