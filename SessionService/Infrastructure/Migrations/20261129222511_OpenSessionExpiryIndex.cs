using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Finqware.SessionService.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class OpenSessionExpiryIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_sessions_open_expires_at",
                table: "sessions",
                column: "expires_at",
                filter: "status NOT IN ('COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_sessions_open_expires_at",
                table: "sessions");
        }
    }
}
