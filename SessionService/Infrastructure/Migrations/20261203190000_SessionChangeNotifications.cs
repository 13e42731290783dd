using Finqware.SessionService.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Finqware.SessionService.Infrastructure.Migrations
{
    /// <summary>
    /// Every commit that changes a session or a step notifies channel <c>session_changes</c> (payload: the session id,
    /// then the step id for a step), whoever wrote it (EF Core, the step path's SQL, the expiry sweep, any instance).
    /// PostgreSQL delivers a notification only when its transaction commits, and folds identical ones of one
    /// transaction into one. <c>SessionService/Sessions/SessionChangeListener.cs</c> listens. Triggers only: no snapshot.
    /// </summary>
    [DbContext(typeof(SessionDbContext))]
    [Migration("20261203190000_SessionChangeNotifications")]
    public partial class SessionChangeNotifications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION notify_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_TABLE_NAME = 'steps' THEN
                        PERFORM pg_notify('session_changes', NEW.session_id::text || ' ' || NEW.id::text);
                    ELSE
                        PERFORM pg_notify('session_changes', NEW.id::text);
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER steps_notify_change AFTER INSERT OR UPDATE ON steps
                    FOR EACH ROW EXECUTE FUNCTION notify_session_change();
                CREATE TRIGGER sessions_notify_change AFTER UPDATE ON sessions
                    FOR EACH ROW EXECUTE FUNCTION notify_session_change();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER sessions_notify_change ON sessions;
                DROP TRIGGER steps_notify_change ON steps;
                DROP FUNCTION notify_session_change();
                """);
        }
    }
}
