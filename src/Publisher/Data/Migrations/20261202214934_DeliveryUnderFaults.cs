using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Publisher.Data.Migrations
{
    /// <inheritdoc />
    public partial class DeliveryUnderFaults : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Deliveries_DigestId_State",
                table: "Deliveries");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_State_DigestId_UpdatedUtc",
                table: "Deliveries");

            migrationBuilder.AddColumn<string>(
                name: "ConfirmationClaimedBy",
                table: "Memberships",
                type: "TEXT",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PauseReason",
                table: "Digests",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "PausedSinceUtc",
                table: "Digests",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "PausedUntilUtc",
                table: "Digests",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Pauses",
                table: "Digests",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTime>(
                name: "QueuedUtc",
                table: "Digests",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "DueUtc",
                table: "Deliveries",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<DateTime>(
                name: "FirstFailedUtc",
                table: "Deliveries",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "HostProcesses",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Machine = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ProcessId = table.Column<int>(type: "INTEGER", nullable: false),
                    StartedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    SeenUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Instance = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_HostProcesses", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_DigestId_State_DueUtc",
                table: "Deliveries",
                columns: new[] { "DigestId", "State", "DueUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_State_DigestId_DueUtc_UpdatedUtc",
                table: "Deliveries",
                columns: new[] { "State", "DigestId", "DueUtc", "UpdatedUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_HostProcesses_SeenUtc",
                table: "HostProcesses",
                column: "SeenUtc");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "HostProcesses");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_DigestId_State_DueUtc",
                table: "Deliveries");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_State_DigestId_DueUtc_UpdatedUtc",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "ConfirmationClaimedBy",
                table: "Memberships");

            migrationBuilder.DropColumn(
                name: "PauseReason",
                table: "Digests");

            migrationBuilder.DropColumn(
                name: "PausedSinceUtc",
                table: "Digests");

            migrationBuilder.DropColumn(
                name: "PausedUntilUtc",
                table: "Digests");

            migrationBuilder.DropColumn(
                name: "Pauses",
                table: "Digests");

            migrationBuilder.DropColumn(
                name: "QueuedUtc",
                table: "Digests");

            migrationBuilder.DropColumn(
                name: "DueUtc",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "FirstFailedUtc",
                table: "Deliveries");

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_DigestId_State",
                table: "Deliveries",
                columns: new[] { "DigestId", "State" });

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_State_DigestId_UpdatedUtc",
                table: "Deliveries",
                columns: new[] { "State", "DigestId", "UpdatedUtc" });
        }
    }
}
