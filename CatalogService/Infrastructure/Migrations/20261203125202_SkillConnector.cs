using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Finqware.CatalogService.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class SkillConnector : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "connector",
                table: "skills",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "connector",
                table: "skills");
        }
    }
}
