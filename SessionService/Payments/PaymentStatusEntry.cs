namespace Finqware.SessionService.Payments;

public sealed record PaymentStatusEntry(string Status, string? Reason, DateTimeOffset At);
