using System.Text.RegularExpressions;

namespace Finqware.SkillConnectors.BerlinGroup;

/// <summary>The bank refused the request (4xx): the step fails with <see cref="Code"/>, a stable UPPER_SNAKE code.</summary>
public sealed class BankRefusedException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;
}

/// <summary>The bank answered something that is not NextGenPSD2 (not JSON, a required field missing): the step fails BANK_RESPONSE_INVALID.</summary>
public sealed class BankResponseInvalidException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The bank is away (a timeout, a connection refused, 429 or 5xx after the HTTP client's retries): thrown on, so the SDK's
/// retry rules apply (the step is tried again, then dead-lettered).
/// </summary>
public sealed class BankUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Turns a bank's <c>tppMessages</c> into a step error.</summary>
public static partial class BankCodes
{
    public const string ResponseInvalid = "BANK_RESPONSE_INVALID";
    public const string RequestRefused = "BANK_REQUEST_REFUSED";
    public const string Unavailable = "BANK_UNAVAILABLE";

    /// <summary>
    /// The first ERROR message's code, as the specification's MessageCode lists name it (FORMAT_ERROR, CONSENT_UNKNOWN,
    /// PSU_CREDENTIALS_INVALID…); PSU_CREDENTIALS_INVALID becomes INVALID_CREDENTIALS, as the sandbox bank names it. A code that
    /// is not UPPER_SNAKE (or none) is BANK_REQUEST_REFUSED.
    /// </summary>
    public static (string Code, string Message) FromTppMessages(int status, IReadOnlyList<TppMessage>? messages)
    {
        var first = messages?.FirstOrDefault(m => m.Category == "ERROR") ?? (messages is { Count: > 0 } ? messages[0] : null);
        var code = first?.Code is { } c && UpperSnake().IsMatch(c) ? c : RequestRefused;
        code = code == "PSU_CREDENTIALS_INVALID" ? "INVALID_CREDENTIALS" : code;
        var text = first?.Text is { Length: > 0 } t ? Clip(t, 300) : "no message";
        return (code, $"The bank refused the request ({status}): {text}");
    }

    public static string Clip(string value, int max) => value.Length > max ? value[..max] : value;

    [GeneratedRegex("^[A-Z][A-Z0-9_]{1,63}$")]
    private static partial Regex UpperSnake();
}
