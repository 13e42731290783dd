using Finqware.ServiceDefaults.Outbox;
using Finqware.TenantService.Servicers;
using Microsoft.EntityFrameworkCore;

namespace Finqware.TenantService.Infrastructure;

public sealed class TenantDbContext(DbContextOptions<TenantDbContext> options) : DbContext(options)
{
    public DbSet<Servicer> Servicers => Set<Servicer>();

    public DbSet<ServicerUser> ServicerUsers => Set<ServicerUser>();

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
        modelBuilder.AddOutboxAndInbox();
    }
}
