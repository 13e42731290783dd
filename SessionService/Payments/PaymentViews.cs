using Finqware.SessionService.Connections;

namespace Finqware.SessionService.Payments;

public static class PaymentViews
{
    public static PaymentView ToView(this Payment p) => new(
        p.PaymentId, p.SessionId, p.Skill, p.Status, p.Reason, p.CreditorName, p.CreditorIban, p.Amount is { } amount ? DataViews.Money(amount) : null,
        p.Currency, p.RemittanceInformation, p.CreatedAt, p.UpdatedAt, [.. p.History.Select(h => new PaymentStatusView(h.Status, h.Reason, h.At))]);
}
