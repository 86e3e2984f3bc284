using Microsoft.EntityFrameworkCore;
using Publisher.Articles;

namespace Publisher.Data;

public sealed class PublisherDbContext(DbContextOptions<PublisherDbContext> options) : DbContext(options)
{
    public DbSet<Article> Articles => Set<Article>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Article>(a =>
        {
            a.HasIndex(x => x.Uid).IsUnique();
            a.HasIndex(x => x.Slug).IsUnique();
            a.HasIndex(x => x.SourceKey).IsUnique();
            a.HasIndex(x => x.PublishedUtc);
            a.HasIndex(x => x.CategorySlug);
            a.Property(x => x.Slug).HasMaxLength(200);
            a.Property(x => x.SourceKey).HasMaxLength(1000);
            a.Property(x => x.ContentHash).HasMaxLength(64);
            a.Property(x => x.Title).HasMaxLength(500);
            a.Property(x => x.Category).HasMaxLength(200);
            a.Property(x => x.CategorySlug).HasMaxLength(200);
            a.Property(x => x.Author).HasMaxLength(200);
            a.Property(x => x.Source).HasMaxLength(200);
            a.Property(x => x.Format).HasConversion<string>().HasMaxLength(20);
            a.Ignore(x => x.PublishedAt);
            a.Ignore(x => x.UpdatedAt);
            a.Ignore(x => x.TagList);
        });
    }
}
