using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Finqware.TenantService.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class TenantOriginsAndRedirectUris : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<List<string>>(
                name: "allowed_origins",
                table: "tenants",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'");

            migrationBuilder.AddColumn<List<string>>(
                name: "redirect_uris",
                table: "tenants",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "allowed_origins",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "redirect_uris",
                table: "tenants");
        }
    }
}
