using System.Text.Json;
using Finqware.Contracts.Tenants;
using Finqware.ServiceDefaults.Data;
using Finqware.ServiceDefaults.Data.Idempotency;
using Finqware.SessionService.Accounts;
using Finqware.SessionService.Applications;
using Finqware.SessionService.Connections;
using Finqware.SessionService.Payments;
using Finqware.SessionService.Nonces;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Skills;
using Finqware.SessionService.Steps;
using Finqware.SessionService.Tenants;
using Finqware.SessionService.Uploads;
using Finqware.SessionService.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Finqware.SessionService.Infrastructure;

public sealed class SessionDbContext(DbContextOptions<SessionDbContext> options) : DbContext(options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public DbSet<Session> Sessions => Set<Session>();

    public DbSet<Step> Steps => Set<Step>();

    public DbSet<Attachment> Attachments => Set<Attachment>();

    public DbSet<UsedNonce> UsedNonces => Set<UsedNonce>();

    public DbSet<TenantReplica> Tenants => Set<TenantReplica>();

    public DbSet<SkillReplica> Skills => Set<SkillReplica>();

    public DbSet<SkillInstance> SkillInstances => Set<SkillInstance>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();

    public DbSet<Connection> Connections => Set<Connection>();

    public DbSet<Account> Accounts => Set<Account>();

    public DbSet<AccountTransaction> Transactions => Set<AccountTransaction>();

    public DbSet<Payment> Payments => Set<Payment>();

    public DbSet<ProductApplication> Applications => Set<ProductApplication>();

    public DbSet<Verification> Verifications => Set<Verification>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Session>(entity =>
        {
            entity.ToTable("sessions");
            entity.HasKey(s => s.Id);
            entity.Property(s => s.ClientId).HasMaxLength(64);
            entity.Property(s => s.Skill).HasMaxLength(128);
            entity.Property(s => s.Status).HasMaxLength(32);
            entity.Property(s => s.CurrentNonceId).HasMaxLength(64).IsConcurrencyToken();
            entity.HasIndex(s => new { s.ClientId, s.CreatedAt });
            // The expiry sweep's range scan: only open sessions are in it, so it stays small however many finished ones pile up.
            entity.HasIndex(s => s.ExpiresAt).HasDatabaseName("ix_sessions_open_expires_at")
                .HasFilter(SessionStatus.OpenSql);
            entity.HasMany(s => s.Steps).WithOne().HasForeignKey(s => s.SessionId);
        });
        modelBuilder.Entity<Step>(entity =>
        {
            entity.ToTable("steps");
            entity.HasKey(s => s.Id);
            entity.Property(s => s.Name).HasMaxLength(128);
            entity.Property(s => s.Status).HasMaxLength(32);
            entity.Property(s => s.ErrorCode).HasMaxLength(64);
            entity.Property(s => s.ErrorMessage).HasMaxLength(1000);
            entity.HasIndex(s => new { s.SessionId, s.Number }).IsUnique();
            entity.HasMany(s => s.Attachments).WithOne().HasForeignKey(a => a.StepId);
        });
        modelBuilder.Entity<Attachment>(entity =>
        {
            entity.ToTable("attachments");
            entity.HasKey(a => a.Id);
            entity.Property(a => a.Kind).HasMaxLength(64);
            entity.Property(a => a.ContentType).HasMaxLength(64);
            entity.Property(a => a.Sha256).HasMaxLength(64);
            entity.HasIndex(a => a.SessionId);
            entity.HasOne(a => a.Content).WithOne().HasForeignKey<AttachmentContent>(c => c.Id);
            entity.Navigation(a => a.Content).IsRequired();
        });
        modelBuilder.Entity<AttachmentContent>(entity =>
        {
            // The same row as its attachment (table splitting), so reading attachments leaves the bytes in the database.
            entity.ToTable("attachments");
            entity.HasKey(c => c.Id);
            entity.Property(c => c.Bytes).HasColumnName("content");
        });
        modelBuilder.Entity<UsedNonce>(entity =>
        {
            entity.ToTable("used_nonces");
            entity.HasKey(n => n.Identifier);
            entity.Property(n => n.Identifier).HasMaxLength(64);
        });
        modelBuilder.Entity<TenantReplica>(entity =>
        {
            entity.ToTable("tenants");
            entity.HasKey(t => t.ClientId);
            entity.Property(t => t.ClientId).HasMaxLength(64);
            entity.Property(t => t.Status).HasMaxLength(32);
            entity.Property(t => t.Environment).HasMaxLength(32);
            entity.Property(t => t.Keys).HasColumnType("jsonb").HasConversion(
                keys => JsonSerializer.Serialize(keys, Json),
                json => JsonSerializer.Deserialize<List<TenantKeyHash>>(json, Json) ?? new List<TenantKeyHash>(),
                new ValueComparer<List<TenantKeyHash>>((a, b) => a!.SequenceEqual(b!), k => k.Count, k => k.ToList()));
            entity.Property(t => t.WebhookKeys).HasColumnType("jsonb").HasConversion(
                keys => JsonSerializer.Serialize(keys, Json),
                json => JsonSerializer.Deserialize<List<SealedWebhookKey>>(json, Json) ?? new List<SealedWebhookKey>(),
                new ValueComparer<List<SealedWebhookKey>>((a, b) => a!.SequenceEqual(b!), k => k.Count, k => k.ToList()));
            entity.Property(t => t.Skills).HasColumnType("jsonb").HasConversion(
                skills => JsonSerializer.Serialize(skills, Json),
                json => JsonSerializer.Deserialize<List<string>>(json, Json) ?? new List<string>(),
                new ValueComparer<List<string>>((a, b) => a!.SequenceEqual(b!), k => k.Count, k => k.ToList()));
        });
        modelBuilder.Entity<SkillReplica>(entity =>
        {
            entity.ToTable("skills");
            entity.HasKey(s => s.SkillId);
            entity.Property(s => s.SkillId).HasMaxLength(128);
            entity.Property(s => s.Manifest).HasColumnType("jsonb");
        });
        modelBuilder.Entity<SkillInstance>(entity =>
        {
            entity.ToTable("skill_instances");
            entity.HasKey(i => new { i.InstanceId, i.SkillId });
            entity.HasIndex(i => new { i.SkillId, i.LastSeenAt });
        });
        modelBuilder.Entity<WebhookDelivery>(entity =>
        {
            entity.ToTable("webhook_deliveries");
            entity.HasKey(w => w.Id);
            entity.Property(w => w.ClientId).HasMaxLength(64);
            entity.Property(w => w.EventType).HasMaxLength(64);
            entity.Property(w => w.Status).HasMaxLength(16);
            // text, not jsonb: the stored body is byte for byte the one that was signed.
            entity.Property(w => w.LastError).HasMaxLength(500);
            entity.HasIndex(w => new { w.Status, w.NextAttemptAt });
            entity.HasIndex(w => new { w.ClientId, w.CreatedAt });
            // 0 for every row before the column (the migration's default).
            entity.Property(w => w.AttemptsBeforeRedelivery).HasDefaultValue(0);
        });
        modelBuilder.Entity<WebhookAttempt>(entity =>
        {
            entity.ToTable("webhook_attempts");
            entity.HasKey(a => a.Id);
            entity.Property(a => a.Error).HasMaxLength(500);
            entity.HasIndex(a => new { a.DeliveryId, a.Number });
            entity.HasOne<WebhookDelivery>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.AddDataModel();
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.AddIdempotencyKeys();
    }
}
