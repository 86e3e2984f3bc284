using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Publisher.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SubscriberPreferencesAndConsole : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Categories",
                table: "Memberships",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTime>(
                name: "PausedUntilUtc",
                table: "Memberships",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Archive",
                table: "Lists",
                type: "boolean",
                nullable: false,
                defaultValue: true); // lists made before archives existed keep theirs on, as new lists do

            migrationBuilder.CreateTable(
                name: "ErasedAddresses",
                columns: table => new
                {
                    Hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ErasedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ErasedAddresses", x => x.Hash);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Memberships_ListId_Id",
                table: "Memberships",
                columns: new[] { "ListId", "Id", "SubscriberId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ErasedAddresses");

            migrationBuilder.DropIndex(
                name: "IX_Memberships_ListId_Id",
                table: "Memberships");

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
