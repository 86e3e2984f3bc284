using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Publisher.Data.Migrations
{
    /// <inheritdoc />
    public partial class DigestCoverage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "MoreArticles",
                table: "Digests",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "CoveredArticles",
                columns: table => new
                {
                    DigestId = table.Column<int>(type: "INTEGER", nullable: false),
                    ArticleId = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CoveredArticles", x => new { x.DigestId, x.ArticleId });
                    table.ForeignKey(
                        name: "FK_CoveredArticles_Articles_ArticleId",
                        column: x => x.ArticleId,
                        principalTable: "Articles",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_CoveredArticles_Digests_DigestId",
                        column: x => x.DigestId,
                        principalTable: "Digests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CoveredArticles_ArticleId",
                table: "CoveredArticles",
                column: "ArticleId");

            // Digests made before this migration cover the articles they show (their "more" were not recorded).
            migrationBuilder.Sql("""
                INSERT OR IGNORE INTO "CoveredArticles" ("DigestId", "ArticleId")
                SELECT d."Id", CAST(j.value AS INTEGER)
                FROM "Digests" AS d, json_each('[' || d."ArticleIds" || ']') AS j
                WHERE d."ArticleIds" <> '' AND CAST(j.value AS INTEGER) IN (SELECT "Id" FROM "Articles");
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CoveredArticles");

            migrationBuilder.DropColumn(
                name: "MoreArticles",
                table: "Digests");
        }
    }
}
