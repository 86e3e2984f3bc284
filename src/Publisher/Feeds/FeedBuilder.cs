using System.Buffers;
using System.Globalization;
using System.ServiceModel.Syndication;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Publisher.Articles;

namespace Publisher.Feeds;

/// <summary>
/// Serializes one page of articles (newest first) into RSS 2.0, Atom 1.0 or JSON Feed 1.1. Pure: the same page
/// gives the same bytes, on any machine.
/// </summary>
public sealed class FeedBuilder(SiteOptions site)
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private static readonly XNamespace Content = "http://purl.org/rss/1.0/modules/content/";
    private static readonly XNamespace Dc = "http://purl.org/dc/elements/1.1/";
    private static readonly XmlWriterSettings WriterSettings = new() { Encoding = new UTF8Encoding(false), Indent = true };
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true };

    public byte[] Build(FeedPage page) => Serialized(Writer(page));

    /// <summary>Writes the page into <paramref name="stream"/>: the same bytes as <see cref="Build"/>, without keeping them.</summary>
    public void WriteTo(FeedPage page, Stream stream) => Writer(page)(stream);

    private Action<Stream> Writer(FeedPage page) => page.Key.Format switch
    {
        FeedFormat.Rss => Rss(page),
        FeedFormat.Atom => AtomFeed(page),
        _ => JsonFeed(page),
    };

    /// <summary>
    /// RFC 4151 tag URI from the site's host, the date the article was first published and its slug: the same
    /// for the same article in any database, and unchanged by edits.
    /// </summary>
    public static string EntryId(string idHost, Article a) =>
        $"tag:{idHost},{a.FirstPublishedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}:/articles/{Uri.EscapeDataString(a.Slug)}";

    public static DateTimeOffset LastModified(IReadOnlyList<Article> items) =>
        items.Count == 0 ? DateTimeOffset.UnixEpoch : items.Max(a => new DateTimeOffset(DateTime.SpecifyKind(a.UpdatedUtc, DateTimeKind.Utc)));

    private static DateTimeOffset Updated(IReadOnlyList<Article> items) =>
        items.Count == 0 ? DateTimeOffset.UnixEpoch : items.MaxBy(a => a.UpdatedUtc)!.UpdatedAt;

    private Action<Stream> Rss(FeedPage page)
    {
        var links = page.Links;
        var feed = new SyndicationFeed(page.Title, site.Description, links.Home)
        {
            Language = site.Language,
            Generator = "Publisher",
            LastUpdatedTime = Updated(page.Items),
        };
        feed.AttributeExtensions.Add(new XmlQualifiedName("atom", "http://www.w3.org/2000/xmlns/"), Atom.NamespaceName);
        feed.AttributeExtensions.Add(new XmlQualifiedName("content", "http://www.w3.org/2000/xmlns/"), Content.NamespaceName);
        feed.AttributeExtensions.Add(new XmlQualifiedName("dc", "http://www.w3.org/2000/xmlns/"), Dc.NamespaceName);
        feed.ElementExtensions.Add(AtomLink("self", links.Feed(page.Key.CategorySlug, FeedFormat.Rss), FeedFormat.Rss.MediaType()));
        feed.ElementExtensions.Add(AtomLink("hub", links.Hub, null));
        feed.Items = page.Items.Select(a =>
        {
            var item = Item(a, page);
            item.Summary = new TextSyndicationContent(a.Summary);
            item.ElementExtensions.Add(new XElement(Content + "encoded", a.BodyHtml));
            if (a.Author is not null) item.ElementExtensions.Add(new XElement(Dc + "creator", a.Author));
            return item;
        }).ToList();
        return Write(new Rss20FeedFormatter(feed, serializeExtensionsAsAtom: false));
    }

    // Links are written as strings: SyndicationLink hands a Uri to the writer, which prints its unescaped form.
    private static XElement AtomLink(string rel, Uri href, string? type)
    {
        var link = new XElement(Atom + "link", new XAttribute("rel", rel));
        if (type is not null) link.Add(new XAttribute("type", type));
        link.Add(new XAttribute("href", href.AbsoluteUri));
        return link;
    }

    private Action<Stream> AtomFeed(FeedPage page)
    {
        var (key, links) = (page.Key, page.Links);
        var feed = new SyndicationFeed
        {
            Id = links.Feed(key.CategorySlug, FeedFormat.Atom).AbsoluteUri,
            Title = new TextSyndicationContent(page.Title),
            Language = site.Language,
            Generator = "Publisher",
            LastUpdatedTime = Updated(page.Items),
        };
        if (site.Description.Length > 0) feed.Description = new TextSyndicationContent(site.Description);
        // Entries without an author of their own take the feed's, which RFC 4287 requires somewhere.
        feed.Authors.Add(new SyndicationPerson { Name = site.Title });
        string type = FeedFormat.Atom.MediaType();
        var extra = new List<XElement>
        {
            AtomLink("self", links.Feed(key.CategorySlug, FeedFormat.Atom, key.Page), type),
            AtomLink("alternate", key.CategorySlug is null ? links.Home : links.Category(key.CategorySlug), "text/html"),
            AtomLink("hub", links.Hub, null),
        };
        // RFC 5005 section 3: a paged feed names its first and last pages and its neighbours.
        if (page.Pages > 1)
        {
            Uri PageUri(int p) => links.Feed(key.CategorySlug, FeedFormat.Atom, p);
            extra.Add(AtomLink("first", PageUri(1), type));
            if (key.Page > 1)
            {
                // RFC 5005 names it "previous"; the IANA registry also knows "prev", which some readers look for.
                extra.Add(AtomLink("previous", PageUri(key.Page - 1), type));
                extra.Add(AtomLink("prev", PageUri(key.Page - 1), type));
            }
            if (key.Page < page.Pages) extra.Add(AtomLink("next", PageUri(key.Page + 1), type));
            extra.Add(AtomLink("last", PageUri(page.Pages), type));
        }
        foreach (var link in extra) feed.ElementExtensions.Add(link);
        feed.Items = page.Items.Select(a =>
        {
            var item = Item(a, page);
            item.Summary = new TextSyndicationContent(a.Summary);
            item.Content = SyndicationContent.CreateHtmlContent(a.BodyHtml);
            if (a.Author is not null) item.Authors.Add(new SyndicationPerson { Name = a.Author });
            return item;
        }).ToList();
        return Write(new Atom10FeedFormatter(feed));
    }

    private static SyndicationItem Item(Article a, FeedPage page)
    {
        var item = new SyndicationItem
        {
            Id = EntryId(page.IdHost, a),
            Title = new TextSyndicationContent(a.Title),
            PublishDate = a.PublishedAt,
            LastUpdatedTime = a.UpdatedAt,
        };
        item.Links.Add(SyndicationLink.CreateAlternateLink(page.Links.Article(a.Slug), "text/html"));
        if (a.Category is not null) item.Categories.Add(new SyndicationCategory(a.Category));
        foreach (var tag in a.TagList) item.Categories.Add(new SyndicationCategory(tag));
        return item;
    }

    private static Action<Stream> Write(SyndicationFeedFormatter formatter) => buffer =>
    {
        using var writer = XmlWriter.Create(buffer, WriterSettings);
        formatter.WriteTo(writer);
    };

    private const int PooledBufferBytes = 1024 * 1024;

    /// <summary>
    /// The bytes <paramref name="write"/> writes, made in a pooled buffer: a growing stream would allocate and copy a
    /// chain of large arrays for every document of every rebuild. A page that does not fit is written again into a
    /// stream that grows.
    /// </summary>
    private static byte[] Serialized(Action<Stream> write)
    {
        var pooled = ArrayPool<byte>.Shared.Rent(PooledBufferBytes);
        try
        {
            using var buffer = new MemoryStream(pooled, 0, pooled.Length, writable: true);
            try
            {
                write(buffer);
                return pooled.AsSpan(0, (int)buffer.Position).ToArray();
            }
            catch (NotSupportedException) { } // full: the stream over the pooled array does not grow
        }
        finally { ArrayPool<byte>.Shared.Return(pooled); }
        using var growing = new MemoryStream();
        write(growing);
        return growing.ToArray();
    }

    private Action<Stream> JsonFeed(FeedPage page)
    {
        var (key, links) = (page.Key, page.Links);
        return buffer =>
        {
            using var json = new Utf8JsonWriter(buffer, JsonOptions);
            json.WriteStartObject();
            json.WriteString("version", "https://jsonfeed.org/version/1.1");
            json.WriteString("title", page.Title);
            json.WriteString("home_page_url", (key.CategorySlug is null ? links.Home : links.Category(key.CategorySlug)).AbsoluteUri);
            // JSON Feed 1.1: feed_url names the feed itself (its first page), whichever page this is.
            json.WriteString("feed_url", links.Feed(key.CategorySlug, FeedFormat.Json).AbsoluteUri);
            if (key.Page < page.Pages) json.WriteString("next_url", links.Feed(key.CategorySlug, FeedFormat.Json, key.Page + 1).AbsoluteUri);
            if (site.Description.Length > 0) json.WriteString("description", site.Description);
            json.WriteString("language", site.Language);
            json.WriteStartArray("authors");
            json.WriteStartObject(); json.WriteString("name", site.Title); json.WriteEndObject();
            json.WriteEndArray();
            json.WriteStartArray("hubs");
            json.WriteStartObject(); json.WriteString("type", "WebSub"); json.WriteString("url", links.Hub.AbsoluteUri); json.WriteEndObject();
            json.WriteEndArray();
            json.WriteStartArray("items");
            foreach (var a in page.Items)
            {
                WriteJsonItem(json, a, page);
                json.Flush(); // into the stream item by item, or the writer grows a buffer of its own for the whole page
            }
            json.WriteEndArray();
            json.WriteEndObject();
        };
    }

    private static void WriteJsonItem(Utf8JsonWriter json, Article a, FeedPage page)
    {
        json.WriteStartObject();
        json.WriteString("id", EntryId(page.IdHost, a));
        json.WriteString("url", page.Links.Article(a.Slug).AbsoluteUri);
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

    private static string Rfc3339(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
