using Finqware.SessionService.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Finqware.SessionService.Infrastructure.Migrations
{
    /// <summary>
    /// Usage capture, slice 2 (docs/usage.md). Session opens are counted per commit: the group-committed insert writes up
    /// to 64 sessions in one statement, and one usage row per tenant, skill and day of that statement (its quantity the
    /// sessions it opened, its id random and kept with the row) costs the serial writer and everything downstream a
    /// fraction of a row per session (docs/benchmarks.md). Webhook deliveries are counted when their outcome is
    /// recorded (<c>DELIVERED</c>, or <c>FAILED</c> once given up), whichever code records it. Data API calls and active
    /// connections are written by <c>DataCallMeter</c>, outside the database's triggers (a read changes no row).
    /// The model does not change: no snapshot.
    /// </summary>
    [DbContext(typeof(SessionDbContext))]
    [Migration("20261203160000_UsageCallsAndWebhooks")]
    public partial class UsageCallsAndWebhooks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION usage_sessions_opened() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO usage_events (id, client_id, skill, unit, quantity, occurred_at)
                    SELECT 'opened:' || gen_random_uuid(), n.client_id, n.skill, 'sessions_opened', count(*), min(n.created_at)
                    FROM opened n GROUP BY n.client_id, n.skill, (n.created_at AT TIME ZONE 'UTC')::date;
                    RETURN NULL;
                END $$;

                CREATE FUNCTION usage_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO usage_events (id, client_id, skill, unit, quantity, occurred_at)
                    SELECT 'webhook:' || NEW.id || ':' || lower(NEW.status), NEW.client_id, coalesce(s.skill, ''),
                           'webhooks_' || lower(NEW.status), 1, coalesce(NEW.delivered_at, now())
                    FROM (SELECT 1) one LEFT JOIN sessions s ON s.id = NEW.session_id
                    ON CONFLICT (id) DO NOTHING;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER usage_webhooks AFTER UPDATE ON webhook_deliveries FOR EACH ROW
                    WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('DELIVERED', 'FAILED'))
                    EXECUTE FUNCTION usage_webhooks();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER usage_webhooks ON webhook_deliveries;
                DROP FUNCTION usage_webhooks();
                CREATE OR REPLACE FUNCTION usage_sessions_opened() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO usage_events (id, client_id, skill, unit, quantity, occurred_at)
                    SELECT 'session:' || n.id || ':opened', n.client_id, n.skill, 'sessions_opened', 1, n.created_at FROM opened n
                    ON CONFLICT (id) DO NOTHING;
                    RETURN NULL;
                END $$;
                """);
        }
    }
}
