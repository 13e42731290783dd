using System.Text.Json;
using Finqware.SessionService.Accounts;
using Finqware.SessionService.Applications;
using Finqware.SessionService.Connections;
using Finqware.SessionService.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Finqware.SessionService.Infrastructure;

/// <summary>The tables of the data APIs (docs/data-api.md): connections, accounts, transactions, payments, applications.</summary>
internal static class DataModel
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static ModelBuilder AddDataModel(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Connection>(entity =>
        {
            entity.ToTable("connections");
            entity.HasKey(c => c.Id);
            entity.Property(c => c.ClientId).HasMaxLength(64);
            entity.Property(c => c.ConnectionId).HasMaxLength(128);
            entity.Property(c => c.Skill).HasMaxLength(128);
            entity.Property(c => c.Status).HasMaxLength(16);
            entity.Property(c => c.LastRefreshErrorCode).HasMaxLength(64);
            entity.Property(c => c.LastRefreshErrorMessage).HasMaxLength(1000);
            entity.HasIndex(c => new { c.ClientId, c.ConnectionId }).IsUnique();
            entity.HasIndex(c => new { c.Status, c.ValidUntil });
        });
        modelBuilder.Entity<Account>(entity =>
        {
            entity.ToTable("accounts");
            entity.HasKey(a => a.Id);
            entity.Property(a => a.ClientId).HasMaxLength(64);
            entity.Property(a => a.AccountId).HasMaxLength(128);
            entity.Property(a => a.Iban).HasMaxLength(64);
            entity.Property(a => a.Name).HasMaxLength(256);
            entity.Property(a => a.Kind).HasMaxLength(16);
            entity.Property(a => a.Currency).HasMaxLength(3);
            entity.Property(a => a.Balances).HasColumnType("jsonb").HasConversion(
                balances => JsonSerializer.Serialize(balances, Json),
                json => JsonSerializer.Deserialize<List<StoredBalance>>(json, Json) ?? new List<StoredBalance>(),
                new ValueComparer<List<StoredBalance>>((a, b) => a!.SequenceEqual(b!), b => b.Count, b => b.ToList()));
            entity.HasIndex(a => new { a.ClientId, a.AccountId }).IsUnique();
            entity.HasIndex(a => a.ConnectionKey);
            entity.HasOne<Connection>().WithMany().HasForeignKey(a => a.ConnectionKey).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<AccountTransaction>(entity =>
        {
            entity.ToTable("transactions");
            entity.HasKey(t => t.Id);
            entity.Property(t => t.Id).UseIdentityAlwaysColumn();
            entity.Property(t => t.AccountId).HasMaxLength(128);
            entity.Property(t => t.TransactionId).HasMaxLength(128);
            entity.Property(t => t.Status).HasMaxLength(16);
            entity.Property(t => t.Amount).HasPrecision(18, 2);
            entity.Property(t => t.Currency).HasMaxLength(3);
            entity.Property(t => t.CounterpartyName).HasMaxLength(256);
            entity.Property(t => t.RemittanceInformation).HasMaxLength(1000);
            entity.HasIndex(t => new { t.ConnectionKey, t.AccountId, t.TransactionId }).IsUnique();
            // The sync reads a connection's changes in order; the list reads an account newest first.
            entity.HasIndex(t => new { t.ConnectionKey, t.Seq });
            entity.HasIndex(t => new { t.ConnectionKey, t.AccountId, t.BookingDate, t.Id });
            entity.HasOne<Connection>().WithMany().HasForeignKey(t => t.ConnectionKey).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Payment>(entity =>
        {
            entity.ToTable("payments");
            entity.HasKey(p => p.Id);
            entity.Property(p => p.ClientId).HasMaxLength(64);
            entity.Property(p => p.PaymentId).HasMaxLength(128);
            entity.Property(p => p.Skill).HasMaxLength(128);
            entity.Property(p => p.Status).HasMaxLength(16);
            entity.Property(p => p.Reason).HasMaxLength(1000);
            entity.Property(p => p.CreditorName).HasMaxLength(256);
            entity.Property(p => p.CreditorIban).HasMaxLength(64);
            entity.Property(p => p.Amount).HasPrecision(18, 2);
            entity.Property(p => p.Currency).HasMaxLength(3);
            entity.Property(p => p.RemittanceInformation).HasMaxLength(1000);
            entity.Property(p => p.History).HasColumnType("jsonb").HasConversion(
                history => JsonSerializer.Serialize(history, Json),
                json => JsonSerializer.Deserialize<List<PaymentStatusEntry>>(json, Json) ?? new List<PaymentStatusEntry>(),
                new ValueComparer<List<PaymentStatusEntry>>((a, b) => a!.SequenceEqual(b!), h => h.Count, h => h.ToList()));
            entity.HasIndex(p => new { p.ClientId, p.PaymentId }).IsUnique();
        });
        modelBuilder.Entity<ProductApplication>(entity =>
        {
            entity.ToTable("applications");
            entity.HasKey(a => a.Id);
            entity.Property(a => a.ClientId).HasMaxLength(64);
            entity.Property(a => a.ApplicationId).HasMaxLength(128);
            entity.Property(a => a.Skill).HasMaxLength(128);
            entity.Property(a => a.Product).HasMaxLength(64);
            entity.Property(a => a.Status).HasMaxLength(32);
            entity.Property(a => a.Reason).HasMaxLength(1000);
            entity.HasIndex(a => new { a.ClientId, a.ApplicationId }).IsUnique();
            entity.HasIndex(a => a.SessionId);
        });
        modelBuilder.Entity<Verification>(entity =>
        {
            entity.ToTable("verifications");
            entity.HasKey(v => v.SessionId);
            entity.Property(v => v.ClientId).HasMaxLength(64);
            entity.Property(v => v.Reason).HasMaxLength(1000);
        });
        return modelBuilder;
    }
}
