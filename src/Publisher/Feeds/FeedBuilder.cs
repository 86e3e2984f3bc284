using System.Globalization;
using System.ServiceModel.Syndication;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Publisher.Articles;

namespace Publisher.Feeds;

/// <summary>The articles of one feed (the site's when <see cref="CategorySlug"/> is null), newest first.</summary>
public sealed record FeedGroup(string? CategorySlug, string Title, IReadOnlyList<Article> Articles)
{
    /// <summary>Changes whenever anything a feed shows of these articles can have changed.</summary>
    public string Fingerprint()
    {
        var bytes = new byte[Articles.Count * 20];
        var span = bytes.AsSpan();
        for (int i = 0; i < Articles.Count; i++)
        {
            var a = Articles[i];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(span[(i * 20)..], a.Id);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(span[(i * 20 + 4)..], a.UpdatedUtc.Ticks);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(span[(i * 20 + 12)..], a.PublishedUtc.Ticks);
        }
        return Title + "|" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes));
    }
}

/// <summary>
/// Serializes articles (newest first) into RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents for the site
/// and for each category. Pure: the same articles and base URL give the same bytes.
/// </summary>
public sealed class FeedBuilder(SiteOptions site, int pageSize)
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private static readonly XNamespace Content = "http://purl.org/rss/1.0/modules/content/";
    private static readonly XNamespace Dc = "http://purl.org/dc/elements/1.1/";
    private static readonly XmlWriterSettings WriterSettings = new() { Encoding = new UTF8Encoding(false), Indent = true };
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true };

    /// <summary>The site feed and one per category, each newest first.</summary>
    public IReadOnlyList<FeedGroup> Groups(IReadOnlyList<Article> newestFirst)
    {
        var groups = new List<FeedGroup> { new(null, site.Title, newestFirst) };
        foreach (var group in newestFirst.Where(a => a.CategorySlug is not null).GroupBy(a => a.CategorySlug!))
            groups.Add(new FeedGroup(group.Key, $"{site.Title} · {group.First().Category}", group.ToList()));
        return groups;
    }

    /// <summary>Every document a group serves: RSS (newest page only), and each Atom and JSON Feed page.</summary>
    public IEnumerable<FeedKey> Keys(FeedGroup group)
    {
        int pages = Math.Max(1, (group.Articles.Count + pageSize - 1) / pageSize);
        yield return new FeedKey(group.CategorySlug, FeedFormat.Rss);
        for (int page = 1; page <= pages; page++)
        {
            yield return new FeedKey(group.CategorySlug, FeedFormat.Atom, page);
            yield return new FeedKey(group.CategorySlug, FeedFormat.Json, page);
        }
    }

    public FeedDocument Build(FeedGroup group, FeedKey key, string baseUrl)
    {
        var links = new SiteLinks(baseUrl);
        int pages = Math.Max(1, (group.Articles.Count + pageSize - 1) / pageSize);
        var items = Page(group.Articles, key.Page);
        var paging = new Paging(key.Page, pages);
        byte[] bytes = key.Format switch
        {
            FeedFormat.Rss => Rss(group.CategorySlug, group.Title, items, links),
            FeedFormat.Atom => AtomFeed(group.CategorySlug, group.Title, items, paging, links),
            _ => JsonFeed(group.CategorySlug, group.Title, items, paging, links),
        };
        return FeedDocument.Create(bytes, key.Format.ContentType(), LastModified(items));
    }

    /// <summary>All documents of all groups, one after another (tests and small sites).</summary>
    public Dictionary<FeedKey, FeedDocument> BuildAll(IReadOnlyList<Article> newestFirst, string baseUrl) =>
        Groups(newestFirst).SelectMany(g => Keys(g).Select(k => (k, doc: Build(g, k, baseUrl)))).ToDictionary(x => x.k, x => x.doc);

    private IReadOnlyList<Article> Page(IReadOnlyList<Article> articles, int page) =>
        articles.Skip((page - 1) * pageSize).Take(pageSize).ToList();

    private static DateTimeOffset LastModified(IReadOnlyList<Article> items) =>
        items.Count == 0 ? DateTimeOffset.UnixEpoch : items.Max(a => new DateTimeOffset(DateTime.SpecifyKind(a.UpdatedUtc, DateTimeKind.Utc)));

    private static DateTimeOffset Updated(IReadOnlyList<Article> items) =>
        items.Count == 0 ? DateTimeOffset.UnixEpoch : items.MaxBy(a => a.UpdatedUtc)!.UpdatedAt;

    private byte[] Rss(string? category, string title, IReadOnlyList<Article> items, SiteLinks links)
    {
        var feed = new SyndicationFeed(title, site.Description, links.Home)
        {
            Language = site.Language,
            Generator = "Publisher",
            LastUpdatedTime = Updated(items),
        };
        feed.AttributeExtensions.Add(new XmlQualifiedName("atom", "http://www.w3.org/2000/xmlns/"), Atom.NamespaceName);
        feed.AttributeExtensions.Add(new XmlQualifiedName("content", "http://www.w3.org/2000/xmlns/"), Content.NamespaceName);
        feed.AttributeExtensions.Add(new XmlQualifiedName("dc", "http://www.w3.org/2000/xmlns/"), Dc.NamespaceName);
        feed.ElementExtensions.Add(new XElement(Atom + "link",
            new XAttribute("href", links.Feed(category, FeedFormat.Rss)), new XAttribute("rel", "self"), new XAttribute("type", "application/rss+xml")));
        feed.Items = items.Select(a =>
        {
            var item = Item(a, links);
            item.Summary = new TextSyndicationContent(a.Summary);
            item.ElementExtensions.Add(new XElement(Content + "encoded", a.BodyHtml));
            if (a.Author is not null) item.ElementExtensions.Add(new XElement(Dc + "creator", a.Author));
            return item;
        }).ToList();
        return Write(new Rss20FeedFormatter(feed, serializeExtensionsAsAtom: false));
    }

    private byte[] AtomFeed(string? category, string title, IReadOnlyList<Article> items, Paging paging, SiteLinks links)
    {
        var feed = new SyndicationFeed
        {
            Id = links.Feed(category, FeedFormat.Atom).AbsoluteUri,
            Title = new TextSyndicationContent(title),
            Language = site.Language,
            Generator = "Publisher",
            LastUpdatedTime = Updated(items),
        };
        if (site.Description.Length > 0) feed.Description = new TextSyndicationContent(site.Description);
        // Entries without an author of their own take the feed's, which RFC 4287 requires somewhere.
        feed.Authors.Add(new SyndicationPerson { Name = site.Title });
        feed.Links.Add(new SyndicationLink(links.Feed(category, FeedFormat.Atom, paging.Page), "self", null, "application/atom+xml", 0));
        feed.Links.Add(new SyndicationLink(links.Home, "alternate", null, "text/html", 0));
        AddPagingLinks(feed.Links, paging, p => links.Feed(category, FeedFormat.Atom, p), "application/atom+xml");
        feed.Items = items.Select(a =>
        {
            var item = Item(a, links);
            item.Summary = new TextSyndicationContent(a.Summary);
            item.Content = SyndicationContent.CreateHtmlContent(a.BodyHtml);
            if (a.Author is not null) item.Authors.Add(new SyndicationPerson { Name = a.Author });
            return item;
        }).ToList();
        return Write(new Atom10FeedFormatter(feed));
    }

    /// <summary>RFC 5005 section 3: a paged feed names its first and last pages and its neighbours.</summary>
    private static void AddPagingLinks(ICollection<SyndicationLink> into, Paging paging, Func<int, Uri> pageUri, string type)
    {
        if (paging.Pages == 1) return;
        into.Add(new SyndicationLink(pageUri(1), "first", null, type, 0));
        if (paging.Page > 1)
        {
            // RFC 5005 names it "previous"; the IANA registry also knows "prev", which some readers look for.
            into.Add(new SyndicationLink(pageUri(paging.Page - 1), "previous", null, type, 0));
            into.Add(new SyndicationLink(pageUri(paging.Page - 1), "prev", null, type, 0));
        }
        if (paging.Page < paging.Pages) into.Add(new SyndicationLink(pageUri(paging.Page + 1), "next", null, type, 0));
        into.Add(new SyndicationLink(pageUri(paging.Pages), "last", null, type, 0));
    }

    private static SyndicationItem Item(Article a, SiteLinks links)
    {
        var item = new SyndicationItem
        {
            Id = "urn:uuid:" + a.Uid.ToString("D"),
            Title = new TextSyndicationContent(a.Title),
            PublishDate = a.PublishedAt,
            LastUpdatedTime = a.UpdatedAt,
        };
        item.Links.Add(SyndicationLink.CreateAlternateLink(links.Article(a.Slug), "text/html"));
        if (a.Category is not null) item.Categories.Add(new SyndicationCategory(a.Category));
        foreach (var tag in a.TagList) item.Categories.Add(new SyndicationCategory(tag));
        return item;
    }

    private static byte[] Write(SyndicationFeedFormatter formatter)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, WriterSettings)) formatter.WriteTo(writer);
        return buffer.ToArray();
    }

    private byte[] JsonFeed(string? category, string title, IReadOnlyList<Article> items, Paging paging, SiteLinks links)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("version", "https://jsonfeed.org/version/1.1");
            json.WriteString("title", title);
            json.WriteString("home_page_url", links.Home.AbsoluteUri);
            json.WriteString("feed_url", links.Feed(category, FeedFormat.Json, paging.Page).AbsoluteUri);
            if (paging.Page < paging.Pages) json.WriteString("next_url", links.Feed(category, FeedFormat.Json, paging.Page + 1).AbsoluteUri);
            if (site.Description.Length > 0) json.WriteString("description", site.Description);
            json.WriteString("language", site.Language);
            json.WriteStartArray("authors");
            json.WriteStartObject(); json.WriteString("name", site.Title); json.WriteEndObject();
            json.WriteEndArray();
            json.WriteStartArray("items");
            foreach (var a in items)
            {
                json.WriteStartObject();
                json.WriteString("id", "urn:uuid:" + a.Uid.ToString("D"));
                json.WriteString("url", links.Article(a.Slug).AbsoluteUri);
                json.WriteString("title", a.Title);
                json.WriteString("content_html", a.BodyHtml);
                json.WriteString("summary", a.Summary);
                json.WriteString("date_published", Rfc3339(a.PublishedAt));
                json.WriteString("date_modified", Rfc3339(a.UpdatedAt));
                if (a.Author is not null)
                {
                    json.WriteStartArray("authors");
                    json.WriteStartObject(); json.WriteString("name", a.Author); json.WriteEndObject();
                    json.WriteEndArray();
                }
                var tags = (a.Category is null ? a.TagList : a.TagList.Prepend(a.Category)).Distinct().ToList();
                if (tags.Count > 0)
                {
                    json.WriteStartArray("tags");
                    foreach (var t in tags) json.WriteStringValue(t);
                    json.WriteEndArray();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static string Rfc3339(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private readonly record struct Paging(int Page, int Pages);
}
