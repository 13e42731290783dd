using Microsoft.EntityFrameworkCore;

namespace Finqware.ServiceDefaults.Data.Idempotency;

public static class IdempotencyModelExtensions
{
    /// <summary>Adds the <c>idempotency_keys</c> table to a service's model; call from <c>OnModelCreating</c>.</summary>
    public static ModelBuilder AddIdempotencyKeys(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<IdempotencyRecord>(entity =>
        {
            entity.ToTable(IdempotencyStore.Table);
            entity.HasKey(r => r.Id);
            entity.Property(r => r.Id).HasMaxLength(64).IsFixedLength();
            entity.Property(r => r.Fingerprint).HasMaxLength(64).IsFixedLength();
            entity.Property(r => r.ContentType).HasMaxLength(256);
            entity.Property(r => r.Location).HasMaxLength(2048);
            entity.HasIndex(r => r.ExpiresAt);
        });
        return modelBuilder;
    }
}
