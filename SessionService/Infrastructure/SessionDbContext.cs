using Finqware.ServiceDefaults.Outbox;
using Finqware.SessionService.Replicas;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Steps;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Infrastructure;

public sealed class SessionDbContext(DbContextOptions<SessionDbContext> options) : DbContext(options)
{
    public DbSet<Session> Sessions => Set<Session>();

    public DbSet<Step> Steps => Set<Step>();

    public DbSet<TenantReplica> Tenants => Set<TenantReplica>();

    public DbSet<SkillReplica> Skills => Set<SkillReplica>();

    public DbSet<SkillInstanceReplica> SkillInstances => Set<SkillInstanceReplica>();

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
        modelBuilder.Entity<Step>(entity =>
        {
            entity.ToTable("steps");
            entity.HasKey(s => s.Id);
            entity.Property(s => s.Name).HasMaxLength(64);
            entity.Property(s => s.Status).HasMaxLength(32);
            entity.Property(s => s.Data).HasColumnType("jsonb");
            entity.Property(s => s.Result).HasColumnType("jsonb");
            entity.Property(s => s.Action).HasColumnType("jsonb");
            entity.Property(s => s.Error).HasColumnType("jsonb");
            entity.Property(s => s.NonceId).HasMaxLength(64);
            entity.HasIndex(s => new { s.SessionId, s.Seq }).IsUnique();
            entity.HasIndex(s => s.NonceId).IsUnique();
            entity.HasOne<Session>().WithMany().HasForeignKey(s => s.SessionId);
        });
        modelBuilder.Entity<TenantReplica>(entity =>
        {
            entity.ToTable("tenant_replicas");
            entity.HasKey(t => t.ClientId);
            entity.Property(t => t.ClientId).HasMaxLength(64);
            entity.Property(t => t.Environment).HasMaxLength(16);
            entity.Property(t => t.Status).HasMaxLength(16);
            entity.Property(t => t.Keys).HasColumnType("jsonb");
            entity.Ignore(t => t.KeyHashes);
        });
        modelBuilder.Entity<SkillReplica>(entity =>
        {
            entity.ToTable("skill_replicas");
            entity.HasKey(s => s.SkillId);
            entity.Property(s => s.SkillId).HasMaxLength(128);
            entity.Property(s => s.Manifest).HasColumnType("jsonb");
        });
        modelBuilder.Entity<SkillInstanceReplica>(entity =>
        {
            entity.ToTable("skill_instance_replicas");
            entity.HasKey(i => new { i.SkillId, i.InstanceId });
            entity.Property(i => i.SkillId).HasMaxLength(128);
            entity.Property(i => i.InstanceId).HasMaxLength(128);
        });
        modelBuilder.AddOutboxAndInbox();
    }
}
