using Microsoft.EntityFrameworkCore;

namespace Finqware.ServiceDefaults.Data;

/// <summary>The outbox and inbox tables in a service's model.</summary>
public static class OutboxModelExtensions
{
    public const string OutboxTable = "outbox_messages";
    public const string InboxTable = "inbox_messages";

    /// <summary>The columns of <see cref="OutboxTable"/> (<c>body</c> is jsonb), for writers beside EF Core; a test holds them to the model.</summary>
    public static readonly string[] OutboxColumns = ["id", "message_type", "body", "destination", "trace_parent", "created_at"];

    /// <summary>Adds the outbox and inbox tables to a service's model; call from <c>OnModelCreating</c>.</summary>
    public static ModelBuilder AddOutboxAndInbox(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OutboxMessage>(entity =>
        {
            entity.ToTable(OutboxTable);
            entity.HasKey(m => m.Id);
            entity.Property(m => m.MessageType).HasMaxLength(512);
            entity.Property(m => m.Body).HasColumnType("jsonb");
            entity.Property(m => m.Destination).HasMaxLength(256);
            entity.Property(m => m.TraceParent).HasMaxLength(128);
            entity.HasIndex(m => m.CreatedAt);
        });
        modelBuilder.Entity<InboxMessage>(entity =>
        {
            entity.ToTable(InboxTable);
            entity.HasKey(m => new { m.MessageId, m.Consumer });
            entity.Property(m => m.Consumer).HasMaxLength(256);
        });
        return modelBuilder;
    }
}
