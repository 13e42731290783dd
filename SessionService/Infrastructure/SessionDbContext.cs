using Finqware.ServiceDefaults.Outbox;
using Finqware.SessionService.Sessions;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Infrastructure;

public sealed class SessionDbContext(DbContextOptions<SessionDbContext> options) : DbContext(options)
{
    public DbSet<Session> Sessions => Set<Session>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Session>(entity =>
        {
            entity.ToTable("sessions");
            entity.HasKey(s => s.Id);
            entity.Property(s => s.ClientId).HasMaxLength(64);
            entity.Property(s => s.Skill).HasMaxLength(128);
            entity.Property(s => s.Status).HasMaxLength(32);
            entity.HasIndex(s => new { s.ClientId, s.CreatedAt });
        });
        modelBuilder.AddOutboxAndInbox();
    }
}
