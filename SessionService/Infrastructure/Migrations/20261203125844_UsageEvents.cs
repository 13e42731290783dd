using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Finqware.SessionService.Infrastructure.Migrations
{
    /// <summary>
    /// Usage capture (docs/usage.md): every metered change writes its usage event into <c>usage_events</c> in the same
    /// transaction, by triggers, so every writer of sessions, steps and attachments (EF Core, the group-committed
    /// session insert, the step submit batch, the outcome statement) is metered without knowing it. The id is derived
    /// from the thing counted; <c>UsageShipper</c> moves the rows to the outbox.
    /// </summary>
    public partial class UsageEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE usage_events (
                    id text PRIMARY KEY,
                    client_id text NOT NULL,
                    skill text NOT NULL,
                    unit text NOT NULL,
                    quantity bigint NOT NULL,
                    occurred_at timestamptz NOT NULL);

                -- Opens come in group-committed batches: one statement-level insert per batch.
                CREATE FUNCTION usage_sessions_opened() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO usage_events (id, client_id, skill, unit, quantity, occurred_at)
                    SELECT 'session:' || n.id || ':opened', n.client_id, n.skill, 'sessions_opened', 1, n.created_at FROM opened n
                    ON CONFLICT (id) DO NOTHING;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER usage_sessions_opened AFTER INSERT ON sessions
                    REFERENCING NEW TABLE AS opened FOR EACH STATEMENT EXECUTE FUNCTION usage_sessions_opened();

                -- A terminal status is reached once (terminal statuses never change).
                CREATE FUNCTION usage_sessions_closed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO usage_events (id, client_id, skill, unit, quantity, occurred_at)
                    VALUES ('session:' || NEW.id || ':' || lower(NEW.status), NEW.client_id, NEW.skill, 'sessions_' || lower(NEW.status), 1, NEW.updated_at)
                    ON CONFLICT (id) DO NOTHING;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER usage_sessions_closed AFTER UPDATE ON sessions FOR EACH ROW
                    WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED'))
                    EXECUTE FUNCTION usage_sessions_closed();

                CREATE FUNCTION usage_steps_submitted() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO usage_events (id, client_id, skill, unit, quantity, occurred_at)
                    SELECT 'step:' || NEW.id || ':submitted', s.client_id, s.skill, 'steps', 1, NEW.created_at FROM sessions s WHERE s.id = NEW.session_id
                    ON CONFLICT (id) DO NOTHING;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER usage_steps_submitted AFTER INSERT ON steps FOR EACH ROW EXECUTE FUNCTION usage_steps_submitted();

                CREATE FUNCTION usage_steps_finished() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO usage_events (id, client_id, skill, unit, quantity, occurred_at)
                    SELECT 'step:' || NEW.id || ':' || lower(NEW.status), s.client_id, s.skill, 'steps_' || lower(NEW.status), 1, NEW.updated_at
                    FROM sessions s WHERE s.id = NEW.session_id
                    ON CONFLICT (id) DO NOTHING;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER usage_steps_finished AFTER UPDATE ON steps FOR EACH ROW
                    WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('COMPLETED', 'FAILED'))
                    EXECUTE FUNCTION usage_steps_finished();

                -- Every accepted upload, a replaced one included, is a new attachment row.
                CREATE FUNCTION usage_uploads() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO usage_events (id, client_id, skill, unit, quantity, occurred_at)
                    SELECT 'upload:' || NEW.id, s.client_id, s.skill, 'upload_bytes', NEW.size, NEW.created_at FROM sessions s WHERE s.id = NEW.session_id
                    ON CONFLICT (id) DO NOTHING;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER usage_uploads AFTER INSERT ON attachments FOR EACH ROW EXECUTE FUNCTION usage_uploads();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER usage_uploads ON attachments;
                DROP TRIGGER usage_steps_finished ON steps;
                DROP TRIGGER usage_steps_submitted ON steps;
                DROP TRIGGER usage_sessions_closed ON sessions;
                DROP TRIGGER usage_sessions_opened ON sessions;
                DROP FUNCTION usage_uploads(), usage_steps_finished(), usage_steps_submitted(), usage_sessions_closed(), usage_sessions_opened();
                DROP TABLE usage_events;
                """);
        }
    }
}
