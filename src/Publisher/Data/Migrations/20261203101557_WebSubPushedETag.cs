using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Publisher.Data.Migrations
{
    /// <inheritdoc />
    public partial class WebSubPushedETag : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PushedETag",
                table: "WebSubSubscriptions",
                type: "TEXT",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PushedETag",
                table: "WebSubSubscriptions");
        }
    }
}
