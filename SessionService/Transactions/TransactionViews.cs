using Finqware.SessionService.Accounts;
using Finqware.SessionService.Connections;

namespace Finqware.SessionService.Transactions;

public static class TransactionViews
{
    public static TransactionView ToView(this AccountTransaction t) => new(
        t.TransactionId, t.AccountId, t.Status, DataViews.Money(t.Amount), t.Currency, t.BookingDate, t.ValueDate, t.CounterpartyName, t.RemittanceInformation);
}
