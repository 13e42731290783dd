using System.Globalization;

namespace Finqware.SkillConnectors.SandboxBank;

/// <summary>SCA approaches of Berlin Group NextGenPSD2, as the sandbox bank chooses them per user.</summary>
public static class ScaMethods
{
    public const string Embedded = "EMBEDDED";
    public const string Decoupled = "DECOUPLED";
    public const string Redirect = "REDIRECT";
}

/// <summary>
/// The sandbox bank's test users and values (docs/sandbox.md, "Sandbox bank (xyz)"), in the manner of Plaid's
/// user_good / pass_good: the username selects the SCA approach and the data, the password and OTP must be the
/// documented ones, and documented amounts select a payment's fate.
/// </summary>
public static class SandboxUsers
{
    public const string GoodUser = "user_good";
    public const string DecoupledUser = "user_decoupled";
    public const string RedirectUser = "user_redirect";
    public const string LockedUser = "user_locked";
    public const string Password = "pass_good";
    public const string Otp = "123456";

    /// <summary>A payment of this amount is rejected after authorisation: RJCT, INSUFFICIENT_FUNDS.</summary>
    public const decimal InsufficientFundsAmount = 666.66m;

    /// <summary>A payment of this amount is cancelled by the bank after acceptance: ACTC then CANC.</summary>
    public const decimal CancelledAmount = 999.99m;

    /// <summary>The SCA approach the bank chooses for <paramref name="username"/>, or the login's failure (code and message).</summary>
    public static (string? ScaMethod, string? Code, string? Message) Authenticate(string username, string password)
    {
        if (username == LockedUser)
        {
            return (null, "ACCOUNT_LOCKED", "The user's online banking access is locked; the bank asks them to call the branch.");
        }

        if (password != Password)
        {
            return (null, "INVALID_CREDENTIALS", "The username or password is wrong.");
        }

        return (username switch
        {
            DecoupledUser => ScaMethods.Decoupled,
            RedirectUser => ScaMethods.Redirect,
            _ => ScaMethods.Embedded,
        }, null, null);
    }

    public static string Format(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
}
