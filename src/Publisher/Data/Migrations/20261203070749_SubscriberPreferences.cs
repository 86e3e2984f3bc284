using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Publisher.Data.Migrations
{
    /// <inheritdoc />
    public partial class SubscriberPreferences : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Categories",
                table: "Memberships",
                type: "TEXT",
                maxLength: 2000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTime>(
                name: "PausedUntilUtc",
                table: "Memberships",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Archive",
                table: "Lists",
                type: "INTEGER",
                nullable: false,
                // Lists made before archives existed have theirs on, like new ones (the model's default).
                defaultValue: true);

            migrationBuilder.CreateTable(
                name: "ErasedAddresses",
                columns: table => new
                {
                    Hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ErasedUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ErasedAddresses", x => x.Hash);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ErasedAddresses");

            migrationBuilder.DropColumn(
                name: "Categories",
                table: "Memberships");

            migrationBuilder.DropColumn(
                name: "PausedUntilUtc",
                table: "Memberships");

            migrationBuilder.DropColumn(
                name: "Archive",
                table: "Lists");
        }
    }
}
