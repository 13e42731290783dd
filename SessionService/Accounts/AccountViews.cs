namespace Finqware.SessionService.Accounts;

public static class AccountViews
{
    public static AccountView ToView(this Account account, string connectionId) =>
        new(account.AccountId, connectionId, account.Iban, account.Name, account.Kind, account.Currency);
}
