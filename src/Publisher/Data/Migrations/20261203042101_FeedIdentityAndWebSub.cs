using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Publisher.Data.Migrations
{
    /// <inheritdoc />
    public partial class FeedIdentityAndWebSub : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Articles_CategorySlug",
                table: "Articles");

            migrationBuilder.AddColumn<DateOnly>(
                name: "FirstPublishedOn",
                table: "Articles",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateOnly(1, 1, 1));

            // Existing articles: the feed id's date is the publication date in the article's own zone, and an
            // article never edited since it was stored (updated within a second of being created) was last
            // changed when it was published, not when it was ingested.
            migrationBuilder.Sql("""
                UPDATE "Articles" SET "FirstPublishedOn" = date("PublishedUtc", printf('%+d minutes', "PublishedOffsetMinutes"));
                UPDATE "Articles" SET "UpdatedUtc" = "PublishedUtc"
                 WHERE julianday("UpdatedUtc") - julianday("CreatedUtc") < 1.0 / 86400;
                """);

            migrationBuilder.CreateTable(
                name: "WebSubSubscriptions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Topic = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Callback = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Secret = table.Column<string>(type: "TEXT", maxLength: 199, nullable: true),
                    LeaseSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    ExpiresUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    VerifiedUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WebSubSubscriptions", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Articles_Feed",
                table: "Articles",
                columns: new[] { "CategorySlug", "PublishedUtc", "UpdatedUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_WebSubSubscriptions_ExpiresUtc",
                table: "WebSubSubscriptions",
                column: "ExpiresUtc");

            migrationBuilder.CreateIndex(
                name: "IX_WebSubSubscriptions_Topic_Callback",
                table: "WebSubSubscriptions",
                columns: new[] { "Topic", "Callback" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "WebSubSubscriptions");

            migrationBuilder.DropIndex(
                name: "IX_Articles_Feed",
                table: "Articles");

            migrationBuilder.DropColumn(
                name: "FirstPublishedOn",
                table: "Articles");

            migrationBuilder.CreateIndex(
                name: "IX_Articles_CategorySlug",
                table: "Articles",
                column: "CategorySlug");
        }
    }
}
