using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Finqware.SessionService.Infrastructure.Migrations
{
    /// <summary>
    /// The tenant replica keeps the webhook signing keys sealed to this service (webhook_keys). The SHA-256 of a webhook
    /// secret it kept before among the keys was the signing key itself: it is dropped (docs/security.md).
    /// </summary>
    public partial class SealedWebhookKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "webhook_keys",
                table: "tenants",
                type: "jsonb",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.Sql("""
                UPDATE tenants SET keys = (SELECT coalesce(jsonb_agg(k), '[]'::jsonb) FROM jsonb_array_elements(keys) k WHERE k->>'kind' <> 'webhook_secret')
                WHERE keys @> '[{"kind": "webhook_secret"}]';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "webhook_keys",
                table: "tenants");
        }
    }
}
