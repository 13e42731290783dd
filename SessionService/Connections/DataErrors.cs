using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finqware.SessionService.Connections;

/// <summary>The data APIs' refusals, each with its stable code.</summary>
public static class DataErrors
{
    public static ProblemHttpResult ConnectionNotFound() => ApiProblems.NotFound("CONNECTION_NOT_FOUND", "No such connection.",
        "Use the connection_id of a completed consent step (its result) or of GET /connections, with your tenant's token.");

    public static ProblemHttpResult AccountNotFound() => ApiProblems.NotFound("ACCOUNT_NOT_FOUND", "No such account.",
        "Use an account_id of GET /accounts or of the consent step's result, with your tenant's token.");

    public static ProblemHttpResult PaymentNotFound() => ApiProblems.NotFound("PAYMENT_NOT_FOUND", "No such payment.",
        "Use the payment_id of a payment step's result, with your tenant's token.");

    public static ProblemHttpResult ApplicationNotFound() => ApiProblems.NotFound("APPLICATION_NOT_FOUND", "No such application.",
        "Use the application_id of a marketplace step's result, with your tenant's token.");

    public static ProblemHttpResult Revoked() => ApiProblems.Create(403, "CONNECTION_REVOKED", "The connection was revoked.",
        "The user's consent was revoked (DELETE /connections/{connection_id}); its data can no longer be read. Open a new AISP session for a new consent.");

    public static ProblemHttpResult Expired() => ApiProblems.Create(403, "CONNECTION_EXPIRED", "The connection has expired.",
        "The consent passed its valid_until; its data can no longer be read. Open a new AISP session for a new consent.");

    public static ProblemHttpResult InvalidCursor() => ApiProblems.Create(400, "INVALID_CURSOR", "The cursor is not valid here.",
        "Send a cursor exactly as the previous response returned it, to the same endpoint and for the same account or connection; or none to start over.");

    public static ProblemHttpResult Invalid(string field, string message, string code = ProblemCodes.ValidationFailed) =>
        ApiProblems.Validation(new Dictionary<string, string[]> { [field] = [message] }, code);

    /// <summary>403 for a connection whose data may not be read (revoked or expired), else null.</summary>
    public static ProblemHttpResult? Unreadable(Connection connection, DateTimeOffset now) => connection.EffectiveStatus(now) switch
    {
        ConnectionStatus.Revoked => Revoked(),
        ConnectionStatus.Expired => Expired(),
        _ => null,
    };
}
