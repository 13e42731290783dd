using Finqware.ServiceDefaults.Data;
using Finqware.ServiceDefaults.Data.Idempotency;
using Finqware.TenantService.Audit;
using Finqware.TenantService.Servicers;
using Finqware.TenantService.Tenants;
using Finqware.TenantService.Tokens;
using Microsoft.EntityFrameworkCore;

namespace Finqware.TenantService.Infrastructure;

public sealed class TenantDbContext(DbContextOptions<TenantDbContext> options) : DbContext(options)
{
    public DbSet<Servicer> Servicers => Set<Servicer>();

    public DbSet<ServicerUser> ServicerUsers => Set<ServicerUser>();

    public DbSet<Tenant> Tenants => Set<Tenant>();

    public DbSet<TenantKey> TenantKeys => Set<TenantKey>();

    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Servicer>(entity =>
        {
            entity.ToTable("servicers");
            entity.HasKey(s => s.Id);
            entity.Property(s => s.Name).HasMaxLength(200);
            entity.Property(s => s.Kind).HasMaxLength(16);
        });
        modelBuilder.Entity<ServicerUser>(entity =>
        {
            entity.ToTable("servicer_users");
            entity.HasKey(u => u.Id);
            entity.Property(u => u.Email).HasMaxLength(254);
            entity.Property(u => u.NormalizedEmail).HasMaxLength(254);
            entity.HasIndex(u => u.NormalizedEmail).IsUnique();
            entity.Property(u => u.Role).HasMaxLength(16);
            entity.HasOne<Servicer>().WithMany().HasForeignKey(u => u.ServicerId);
        });
        modelBuilder.Entity<Tenant>(entity =>
        {
            entity.ToTable("tenants");
            entity.HasKey(t => t.ClientId);
            entity.Property(t => t.ClientId).HasMaxLength(64);
            entity.Property(t => t.Name).HasMaxLength(200);
            entity.Property(t => t.Environment).HasMaxLength(16);
            entity.Property(t => t.Status).HasMaxLength(16);
            entity.Property(t => t.WebhookUrl).HasMaxLength(2048);
            entity.Property(t => t.Version).IsConcurrencyToken();
            entity.HasIndex(t => t.ServicerId);
            entity.HasOne<Servicer>().WithMany().HasForeignKey(t => t.ServicerId);
            entity.HasMany(t => t.Keys).WithOne().HasForeignKey(k => k.ClientId);
        });
        modelBuilder.Entity<TenantKey>(entity =>
        {
            entity.ToTable("tenant_keys");
            entity.HasKey(k => k.Id);
            entity.Property(k => k.Kind).HasMaxLength(16);
            entity.Property(k => k.Hash).HasMaxLength(64).IsFixedLength();
            entity.Property(k => k.SealedSigningKey).HasMaxLength(512);
            entity.HasIndex(k => new { k.ClientId, k.Kind });
        });
        modelBuilder.Entity<SigningKey>(entity =>
        {
            entity.ToTable("signing_keys");
            entity.HasKey(k => k.Kid);
            entity.Property(k => k.Kid).HasMaxLength(32);
            entity.Property(k => k.Algorithm).HasMaxLength(16);
        });
        modelBuilder.Entity<AuditEvent>(entity =>
        {
            entity.ToTable("audit_events");
            entity.HasKey(e => e.Id);
            entity.Property(e => e.ActorEmail).HasMaxLength(254);
            entity.Property(e => e.Action).HasMaxLength(64);
            entity.Property(e => e.TargetType).HasMaxLength(16);
            entity.Property(e => e.TargetId).HasMaxLength(64);
            entity.Property(e => e.IpAddress).HasMaxLength(64);
            entity.Property(e => e.UserAgent).HasMaxLength(256);
            entity.Property(e => e.Seq).UseIdentityAlwaysColumn();
            entity.HasIndex(e => new { e.ServicerId, e.Seq });
        });
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.AddIdempotencyKeys();
    }
}
