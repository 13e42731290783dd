using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Finqware.TenantService.Infrastructure.Migrations
{
    /// <summary>
    /// Webhook secrets' signing keys are sealed to SessionService. Before, tenant_keys.hash of a webhook secret was its
    /// SHA-256, which is the signing key itself, and it was also published on the broker: those keys count as exposed.
    /// They are not sealed again but replaced by their fingerprint, so they sign nothing any more; tenants rotate their
    /// webhook secret (POST /tenants/{client_id}/keys/rotate, key webhook_secret) to receive signed webhooks again.
    /// </summary>
    public partial class SealedWebhookKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "sealed_signing_key",
                table: "tenant_keys",
                type: "character varying(512)",
                maxLength: 512,
                nullable: true);

            migrationBuilder.Sql("UPDATE tenant_keys SET hash = encode(sha256(decode(hash, 'hex')), 'hex') WHERE kind = 'webhook_secret' AND sealed_signing_key IS NULL;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "sealed_signing_key",
                table: "tenant_keys");
        }
    }
}
