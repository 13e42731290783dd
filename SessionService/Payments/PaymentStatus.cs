namespace Finqware.SessionService.Payments;

/// <summary>Berlin Group NextGenPSD2 transaction statuses that end a payment.</summary>
public static class PaymentStatus
{
    public static bool IsTerminal(string status) => status is "ACSC" or "RJCT" or "CANC";
}
