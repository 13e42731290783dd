using Finqware.ServiceDefaults.Data;
using Finqware.CatalogService.Skills;
using Microsoft.EntityFrameworkCore;

namespace Finqware.CatalogService.Infrastructure;

public sealed class CatalogDbContext(DbContextOptions<CatalogDbContext> options) : DbContext(options)
{
    public DbSet<SkillRecord> Skills => Set<SkillRecord>();

    public DbSet<SkillInstance> SkillInstances => Set<SkillInstance>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<SkillRecord>(entity =>
        {
            entity.ToTable("skills");
            entity.HasKey(s => s.SkillId);
            entity.Property(s => s.SkillId).HasMaxLength(128);
            entity.Property(s => s.Provider).HasMaxLength(64);
            entity.Property(s => s.Connector).HasMaxLength(128);
            entity.Property(s => s.Type).HasMaxLength(32);
            entity.Property(s => s.Flavor).HasMaxLength(32);
            entity.Property(s => s.Version).HasMaxLength(32);
            entity.Property(s => s.Steps).HasColumnType("jsonb");
            entity.HasIndex(s => new { s.Type, s.Flavor, s.Provider });
        });
        modelBuilder.Entity<SkillInstance>(entity =>
        {
            entity.ToTable("skill_instances");
            entity.HasKey(i => new { i.SkillId, i.InstanceId });
            entity.Property(i => i.SkillId).HasMaxLength(128);
            entity.Property(i => i.InstanceId).HasMaxLength(128);
            entity.HasIndex(i => i.LastSeenAt);
        });
        modelBuilder.AddOutboxAndInbox();
    }
}
