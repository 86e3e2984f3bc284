using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Data;
using Publisher.Feeds;
using Publisher.Pages;
using Publisher.Subscribers;
using Publisher.Templates.Digest;

namespace Publisher.Digests;

/// <summary>One sent digest as the archive lists it.</summary>
public sealed record ArchivedDigest(int Id, DateTimeOffset Date, string Subject, IReadOnlyList<string> Titles, Uri Url);

/// <summary>
/// The public web archive of a list's sent digests: <c>/archive/{list}</c> (newest first, paged), one digest at
/// <c>/archive/{list}/{id}</c> rendered from the mail's own template without any personal part, and an Atom feed of them.
/// A digest is in the archive once at least one of its deliveries was Sent. A list with its archive off, an unknown list
/// or digest, and a digest not sent yet all answer 404.
/// </summary>
public static class DigestArchive
{
    public const int PerPage = 20;
    public const int FeedEntries = 50;
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    public static IEndpointRouteBuilder MapDigestArchive(this IEndpointRouteBuilder app)
    {
        string[] read = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods("/archive/{list}", read, Index).ExcludeFromDescription();
        app.MapMethods("/archive/{list}/feed.xml", read, Feed).ExcludeFromDescription();
        app.MapMethods("/archive/{list}/{id:int}", read, Show).ExcludeFromDescription();
        return app;
    }

    private static Task<MailingList?> ArchivedListAsync(string name, PublisherDbContext db, CancellationToken ct) =>
        db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name && l.Archive, ct);

    /// <summary>The list's digests that went out to at least one member, newest first.</summary>
    private static IQueryable<Digest> Sent(PublisherDbContext db, int listId) =>
        db.Digests.AsNoTracking().Where(d => d.ListId == listId && db.Deliveries.Any(x => x.DigestId == d.Id && x.State == DeliveryState.Sent))
            .OrderByDescending(d => d.CreatedUtc).ThenByDescending(d => d.Id);

    public static async Task<Results<RazorComponentResult<ArchivePage>, NotFound>> Index(string list, int? page, HttpContext http, PublisherDbContext db,
        SiteAddresses addresses, IOptions<PublisherOptions> options, CancellationToken ct)
    {
        if (await ArchivedListAsync(list, db, ct) is not { } l) return TypedResults.NotFound();
        var links = PagesEndpoints.Links(http, addresses, options);
        int count = await Sent(db, l.Id).CountAsync(ct), p = page ?? 1, pages = Math.Max(1, (count + PerPage - 1) / PerPage);
        if (p < 1 || p > pages) return TypedResults.NotFound();
        var digests = await Sent(db, l.Id).Skip((p - 1) * PerPage).Take(PerPage).ToListAsync(ct);
        return new RazorComponentResult<ArchivePage>(new
        {
            Site = options.Value.Site,
            Links = links,
            ListName = l.Name,
            ListTitle = MailingLists.DisplayName(l),
            Digests = await DescribeAsync(db, l, digests, links, options.Value.Site, ct),
            Paging = new Paging(p, pages, p > 1 ? links.Archive(l.Name, p - 1) : null, p < pages ? links.Archive(l.Name, p + 1) : null),
        });
    }

    public static async Task<IResult> Show(string list, int id, HttpContext http, PublisherDbContext db, DigestComposer composer, SiteAddresses addresses,
        IOptions<PublisherOptions> options, CancellationToken ct)
    {
        if (await ArchivedListAsync(list, db, ct) is not { } l) return TypedResults.NotFound();
        if (await Sent(db, l.Id).SingleOrDefaultAsync(d => d.Id == id, ct) is not { } digest) return TypedResults.NotFound();
        var ids = digest.ArticleIdList;
        var byId = await db.Articles.AsNoTracking().Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
        var articles = ids.Where(byId.ContainsKey).Select(i => byId[i]).ToList();
        if (articles.Count == 0) return TypedResults.NotFound(); // every article it showed was deleted since
        var links = PagesEndpoints.Links(http, addresses, options);
        string html = await composer.RenderArchivedAsync(l, articles, digest.MoreArticles, links.Base, Utc(digest.CreatedUtc),
            links.Archive(l.Name).AbsoluteUri, links.Home.AbsoluteUri + "#subscribe");
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    public static async Task<IResult> Feed(string list, HttpContext http, PublisherDbContext db, SiteAddresses addresses, IOptions<PublisherOptions> options,
        CancellationToken ct)
    {
        if (await ArchivedListAsync(list, db, ct) is not { } l) return TypedResults.NotFound();
        var links = PagesEndpoints.Links(http, addresses, options);
        var site = options.Value.Site;
        var digests = await Sent(db, l.Id).Take(FeedEntries).ToListAsync(ct);
        var entries = await DescribeAsync(db, l, digests, links, site, ct);
        string title = MailingLists.DisplayName(l);
        var updated = digests.Count > 0 ? Utc(digests[0].CreatedUtc) : Utc(l.CreatedUtc);
        string host = new Uri(links.Base).Host;
        var feed = new XElement(Atom + "feed",
            new XAttribute(XNamespace.Xml + "lang", site.Language),
            new XElement(Atom + "id", links.Archive(l.Name).AbsoluteUri),
            new XElement(Atom + "title", site.IsChinese ? $"{title}（往期邮件）" : $"{title} (past issues)"),
            new XElement(Atom + "updated", Timestamp(updated)),
            new XElement(Atom + "author", new XElement(Atom + "name", site.Title)),
            Link("self", links.ArchiveFeed(l.Name), "application/atom+xml"),
            Link("alternate", links.Archive(l.Name), "text/html"),
            new XElement(Atom + "generator", "Publisher"),
            entries.Select(e => new XElement(Atom + "entry",
                // A tag URI (RFC 4151) stays the entry's id if the site moves; the date is when the digest was made.
                new XElement(Atom + "id", $"tag:{host},{e.Date.UtcDateTime:yyyy-MM-dd}:/archive/{Uri.EscapeDataString(l.Name)}/{e.Id}"),
                new XElement(Atom + "title", e.Subject),
                new XElement(Atom + "updated", Timestamp(e.Date)),
                new XElement(Atom + "published", Timestamp(e.Date)),
                Link("alternate", e.Url, "text/html"),
                new XElement(Atom + "summary", string.Join(site.IsChinese ? "；" : "; ", e.Titles)))));
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new System.Text.UTF8Encoding(false), Indent = true }))
            new XDocument(feed).WriteTo(writer);
        return TypedResults.Bytes(buffer.ToArray(), "application/atom+xml; charset=utf-8");
    }

    private static XElement Link(string rel, Uri href, string type) =>
        new(Atom + "link", new XAttribute("rel", rel), new XAttribute("type", type), new XAttribute("href", href.AbsoluteUri));

    private static string Timestamp(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    /// <summary>Subject (as the mail had it) and first titles of each digest, with one query for the titles.</summary>
    private static async Task<List<ArchivedDigest>> DescribeAsync(PublisherDbContext db, MailingList list, List<Digest> digests, SiteLinks links,
        SiteOptions site, CancellationToken ct)
    {
        var firstIds = digests.SelectMany(d => d.ArticleIdList.Take(3)).Distinct().ToList();
        var titles = await db.Articles.AsNoTracking().Where(a => firstIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Title, ct);
        var zone = MailingLists.Zone(list);
        string listTitle = MailingLists.DisplayName(list);
        return digests.Select(d =>
        {
            var shown = d.ArticleIdList.Take(3).Where(titles.ContainsKey).Select(id => titles[id]).ToList();
            var date = TimeZoneInfo.ConvertTime(Utc(d.CreatedUtc), zone);
            string subject = shown.Count > 0
                ? DigestModel.SubjectFor(site.Language, listTitle, date, shown[0], d.ArticleIdList.Count)
                : $"{listTitle} {DigestModel.DateTextFor(site.Language, date)}";
            return new ArchivedDigest(d.Id, date, subject, shown, links.ArchivedDigest(list.Name, d.Id));
        }).ToList();
    }
}
