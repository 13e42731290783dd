using Finqware.SessionService.Infrastructure;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Finqware.SessionService.Infrastructure.Migrations
{
    /// <summary>
    /// The activity log (docs/usage.md): one row per API request of a tenant, kept 14 days, read newest first per
    /// tenant (the index), by trace id (its own index: a support case starts from one). Written and read with SQL
    /// (<c>SessionService/RequestLog/</c>), outside the EF model: no snapshot.
    /// </summary>
    [DbContext(typeof(SessionDbContext))]
    [Migration("20261203170000_ApiRequests")]
    public partial class ApiRequests : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE api_requests (
                    id uuid PRIMARY KEY,
                    client_id text NOT NULL,
                    at timestamptz NOT NULL,
                    method text NOT NULL,
                    route text NOT NULL,
                    status integer NOT NULL,
                    latency_ms double precision NOT NULL,
                    trace_id text,
                    session_id uuid,
                    connection_id text);
                CREATE INDEX ix_api_requests_client_at ON api_requests (client_id, at DESC, id DESC);
                CREATE INDEX ix_api_requests_trace ON api_requests (trace_id);
                CREATE INDEX ix_api_requests_at ON api_requests (at);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE api_requests;");
        }
    }
}
