using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Publisher.Articles;
using Publisher.Digests;
using Publisher.Hosting;
using Publisher.Subscribers;
using Publisher.Text;

namespace Publisher.Data;

/// <summary>
/// The database. SQLite uses this type and its migrations in Data/Migrations; PostgreSQL uses
/// <see cref="Postgres.PostgresDbContext"/>, the same model with its own migrations in Data/Migrations/Postgres (EF Core
/// keeps one migrations set per context type). Code asks for this type either way.
/// </summary>
public class PublisherDbContext : DbContext
{
    public PublisherDbContext(DbContextOptions<PublisherDbContext> options) : base(options) { }

    /// <summary>For a provider's own context type (its own migrations).</summary>
    protected PublisherDbContext(DbContextOptions options) : base(options) { }

    public DbSet<Article> Articles => Set<Article>();
    public DbSet<MailingList> Lists => Set<MailingList>();
    public DbSet<Subscriber> Subscribers => Set<Subscriber>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<Digest> Digests => Set<Digest>();
    public DbSet<Delivery> Deliveries => Set<Delivery>();
    public DbSet<CoveredArticle> CoveredArticles => Set<CoveredArticle>();
    public DbSet<WebSub.WebSubSubscription> WebSubSubscriptions => Set<WebSub.WebSubSubscription>();
    public DbSet<HostProcess> HostProcesses => Set<HostProcess>();
    public DbSet<Bounces.BounceReport> BounceReports => Set<Bounces.BounceReport>();
    public DbSet<ErasedAddress> ErasedAddresses => Set<ErasedAddress>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Article>(a =>
        {
            a.HasIndex(x => x.Uid).IsUnique();
            a.HasIndex(x => x.Slug).IsUnique();
            a.HasIndex(x => x.SourceKey).IsUnique();
            a.HasIndex(x => x.PublishedUtc);
            // Covers the feed index (id, category, dates) so loading it reads no article bodies, and orders a category's page.
            a.HasIndex(x => new { x.CategorySlug, x.PublishedUtc, x.UpdatedUtc }).HasDatabaseName("IX_Articles_Feed");
            a.Property(x => x.Slug).HasMaxLength(200);
            a.Property(x => x.SourceKey).HasMaxLength(1000);
            a.Property(x => x.ContentHash).HasMaxLength(64);
            a.Property(x => x.Title).HasMaxLength(500);
            a.Property(x => x.Category).HasMaxLength(200);
            a.Property(x => x.CategorySlug).HasMaxLength(200);
            a.Property(x => x.Author).HasMaxLength(200);
            a.Property(x => x.Source).HasMaxLength(200);
            a.Property(x => x.Format).HasConversion<string>().HasMaxLength(20);
            // Rows written by an older version, by hand or by another tool may hold characters XML forbids; the text
            // readers see is cleaned on its way out of the database (and in), so no feed, page or mail ever gets them.
            var xmlSafe = new ValueConverter<string, string>(v => XmlSafeText.Clean(v), v => XmlSafeText.Clean(v));
            foreach (var text in new[] { nameof(Article.Title), nameof(Article.Summary), nameof(Article.BodyHtml), nameof(Article.BodyText),
                         nameof(Article.Author), nameof(Article.Source), nameof(Article.Category), nameof(Article.Tags) })
                a.Property(text).HasConversion(xmlSafe);
            a.Ignore(x => x.PublishedAt);
            a.Ignore(x => x.UpdatedAt);
            a.Ignore(x => x.TagList);
        });
        model.Entity<WebSub.WebSubSubscription>(w =>
        {
            w.HasIndex(x => new { x.Topic, x.Callback }).IsUnique();
            w.HasIndex(x => x.ExpiresUtc);
            w.Property(x => x.Topic).HasMaxLength(WebSub.WebSubSubscription.MaxUrlLength);
            w.Property(x => x.Callback).HasMaxLength(WebSub.WebSubSubscription.MaxUrlLength);
            w.Property(x => x.Secret).HasMaxLength(WebSub.WebSubSubscription.MaxSecretBytes);
            w.Property(x => x.PushedETag).HasMaxLength(64);
        });
        model.Entity<MailingList>(l =>
        {
            l.ToTable("Lists");
            l.HasIndex(x => x.Name).IsUnique();
            l.Property(x => x.Name).HasMaxLength(MailingLists.MaxNameLength);
            l.Property(x => x.Description).HasMaxLength(1000);
            l.Property(x => x.Title).HasMaxLength(MailingLists.MaxTitleLength);
            l.Property(x => x.Schedule).HasMaxLength(100);
            l.Property(x => x.TimeZone).HasMaxLength(100);
            l.Property(x => x.Categories).HasMaxLength(2000);
            l.Property(x => x.OptIn).HasConversion<string>().HasMaxLength(10);
            l.Ignore(x => x.CategoryList);
        });
        model.Entity<Subscriber>(s =>
        {
            s.HasIndex(x => x.EmailKey).IsUnique();
            s.Property(x => x.Email).HasMaxLength(EmailAddress.MaxLength);
            s.Property(x => x.EmailKey).HasMaxLength(EmailAddress.MaxLength);
            s.Property(x => x.Name).HasMaxLength(SubscriberName.MaxLength);
            s.Property(x => x.TimeZone).HasMaxLength(100);
        });
        model.Entity<Membership>(m =>
        {
            m.HasIndex(x => new { x.ListId, x.SubscriberId }).IsUnique();
            m.HasIndex(x => new { x.ListId, x.Status });
            // The console's members page, newest first: a page's ids come from this index alone, however deep the page, and a
            // search walks it to the subscribers without reading the membership rows.
            m.HasIndex(x => new { x.ListId, x.Id, x.SubscriberId }).HasDatabaseName("IX_Memberships_ListId_Id");
            m.HasIndex(x => x.ConfirmationRequestedUtc);
            m.Property(x => x.ConfirmationClaimedBy).HasMaxLength(100);
            m.Property(x => x.Status).HasConversion<string>().HasMaxLength(20);
            m.Property(x => x.UnsubscribeReason).HasMaxLength(Membership.MaxReasonLength);
            m.Property(x => x.Categories).HasMaxLength(2000);
            m.Ignore(x => x.CategoryList);
            m.HasOne(x => x.List).WithMany(x => x.Memberships).HasForeignKey(x => x.ListId).OnDelete(DeleteBehavior.Cascade);
            m.HasOne(x => x.Subscriber).WithMany(x => x.Memberships).HasForeignKey(x => x.SubscriberId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<ErasedAddress>(e =>
        {
            e.HasKey(x => x.Hash);
            e.Property(x => x.Hash).HasMaxLength(ErasedAddress.HashLength);
        });
        model.Entity<Digest>(d =>
        {
            // Two runs racing for the same period (the schedule and a CLI "digest send") make one digest, not two.
            d.HasIndex(x => new { x.ListId, x.PeriodStartUtc }).IsUnique();
            d.Property(x => x.ArticleIds).HasMaxLength(20_000);
            d.HasOne(x => x.List).WithMany().HasForeignKey(x => x.ListId).OnDelete(DeleteBehavior.Cascade);
            d.Ignore(x => x.ArticleIdList);
            d.Property(x => x.PauseReason).HasMaxLength(1000);
        });
        model.Entity<CoveredArticle>(c =>
        {
            c.HasKey(x => new { x.DigestId, x.ArticleId });
            c.HasIndex(x => x.ArticleId);
            c.HasOne<Digest>().WithMany(x => x.Covered).HasForeignKey(x => x.DigestId).OnDelete(DeleteBehavior.Cascade);
            c.HasOne<Article>().WithMany().HasForeignKey(x => x.ArticleId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<Delivery>(d =>
        {
            d.HasIndex(x => new { x.DigestId, x.SubscriberId }).IsUnique();
            // The claim walks this: a digest's Pending rows in the order they come due.
            d.HasIndex(x => new { x.DigestId, x.State, x.DueUtc });
            // The resumer looks for open rows across all digests every few seconds; Sent rows, the bulk of the
            // table, are skipped by this index instead of scanned, and it answers the resumer's query alone.
            d.HasIndex(x => new { x.State, x.DigestId, x.DueUtc, x.UpdatedUtc });
            d.Property(x => x.State).HasConversion<string>().HasMaxLength(10);
            d.Property(x => x.MessageId).HasMaxLength(300);
            d.Property(x => x.LastReply).HasMaxLength(1000);
            d.Property(x => x.ClaimedBy).HasMaxLength(100);
            d.HasOne(x => x.Digest).WithMany(x => x.Deliveries).HasForeignKey(x => x.DigestId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<Bounces.BounceReport>(r =>
        {
            // A report read twice (a move that failed, two processes on one mailbox) is recorded, and counted, once.
            r.HasIndex(x => x.Key).IsUnique();
            r.HasIndex(x => x.DeliveryId);
            r.Property(x => x.Key).HasMaxLength(Bounces.BounceReport.MaxKeyLength);
            r.Property(x => x.Kind).HasConversion<string>().HasMaxLength(10);
            r.Property(x => x.Recipient).HasMaxLength(EmailAddress.MaxLength * 2);
            r.Property(x => x.Status).HasMaxLength(40);
            r.Property(x => x.Detail).HasMaxLength(1000);
            r.Ignore(x => x.LeavesMailbox);
        });
        model.Entity<HostProcess>(p =>
        {
            p.Property(x => x.Id).HasMaxLength(100);
            p.Property(x => x.Machine).HasMaxLength(100);
            p.Property(x => x.Instance).HasMaxLength(200);
            p.HasIndex(x => x.SeenUtc);
        });
    }
}

/// <summary>
/// For <c>dotnet ef</c> only: the SQLite context, made directly. Without it the tool builds the app's host to find one,
/// and can end up with the PostgreSQL subclass, writing a PostgreSQL migration into the SQLite set.
/// </summary>
public sealed class SqliteDesignTimeFactory : Microsoft.EntityFrameworkCore.Design.IDesignTimeDbContextFactory<PublisherDbContext>
{
    public PublisherDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PublisherDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
