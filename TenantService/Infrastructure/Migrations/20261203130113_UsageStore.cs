using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Finqware.TenantService.Infrastructure.Migrations
{
    /// <summary>
    /// The usage store (docs/usage.md): raw events, one row per event id (what makes a redelivered copy count nothing),
    /// kept for a bounded time; and daily aggregates per tenant, skill and unit, kept for good. Written and read with
    /// SQL (TenantService/Usage), outside the EF model.
    /// </summary>
    public partial class UsageStore : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE usage_events (
                    id text PRIMARY KEY,
                    client_id text NOT NULL,
                    servicer_id uuid NOT NULL,
                    environment text NOT NULL,
                    skill text NOT NULL,
                    unit text NOT NULL,
                    quantity bigint NOT NULL,
                    occurred_at timestamptz NOT NULL,
                    recorded_at timestamptz NOT NULL);
                CREATE INDEX ix_usage_events_recorded_at ON usage_events (recorded_at);

                CREATE TABLE usage_daily (
                    client_id text NOT NULL,
                    day date NOT NULL,
                    skill text NOT NULL,
                    unit text NOT NULL,
                    servicer_id uuid NOT NULL,
                    environment text NOT NULL,
                    quantity bigint NOT NULL,
                    events bigint NOT NULL,
                    PRIMARY KEY (client_id, day, skill, unit));
                CREATE INDEX ix_usage_daily_servicer_day ON usage_daily (servicer_id, day);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE usage_daily; DROP TABLE usage_events;");
        }
    }
}
