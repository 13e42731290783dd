namespace Finqware.SessionService.Accounts;

public static class TransactionStatus
{
    public const string Booked = "BOOKED";
    public const string Pending = "PENDING";
}
