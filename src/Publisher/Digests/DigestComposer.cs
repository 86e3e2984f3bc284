using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using Publisher.Articles;
using Publisher.Email;
using Publisher.Feeds;
using Publisher.Subscribers;
using Publisher.Templates;
using Publisher.Templates.Digest;

namespace Publisher.Digests;

/// <summary>
/// Renders a digest once (Razor, CSS inlined) and makes each recipient's message from it by filling in
/// their name, unsubscribe and manage links: rendering costs far more than a string replace.
/// </summary>
public sealed class DigestComposer(EmailRenderer renderer, SubscriberTokens tokens, IOptions<PublisherOptions> options, TimeProvider clock)
{
    /// <param name="Text">The text part ready for splicing; null when it has to go through MimeKit's own encoding.</param>
    /// <param name="Html">Likewise for the HTML part.</param>
    /// <param name="Headers">From, Subject, List-Id, List-Unsubscribe-Post, Auto-Submitted and Precedence, encoded once: copying a raw value
    /// costs a fraction of encoding a Chinese subject again.</param>
    /// <param name="NamePlaceholder">This rendering's marker for the recipient's name (random per rendering).</param>
    /// <param name="UnsubscribePlaceholder">Likewise for the recipient's unsubscribe link.</param>
    /// <param name="ManagePlaceholder">Likewise for the recipient's preference-centre link.</param>
    public sealed record Rendered(RenderedEmail Email, string ListId, string ListName, PartTemplate? Text, PartTemplate? Html,
        IReadOnlyList<Header> Headers, string NamePlaceholder, string UnsubscribePlaceholder, string ManagePlaceholder);

    /// <param name="archiveUrl">The digest's public page, linked as "view in browser"; null when it has none.</param>
    public async Task<Rendered> RenderAsync(MailingList list, IReadOnlyList<Article> articles, int moreArticles, string baseUrl, DateTimeOffset date,
        string? archiveUrl = null)
    {
        var model = Model(list, articles, moreArticles, baseUrl, date) with { ArchiveUrl = archiveUrl };
        var email = await renderer.RenderAsync<DigestEmail, DigestText, DigestModel>(model, model.Subject);
        string domain = MailDomain.Of(options.Value);
        // RFC 2919: the List-Id is a dot-atom of ASCII; a list named in Chinese becomes its IDNA (punycode) form.
        string listLabel;
        try { listLabel = new System.Globalization.IdnMapping().GetAscii(list.Name.ToLowerInvariant()); }
        catch (ArgumentException) { listLabel = "list-" + list.Id; }
        string listId = $"{listLabel}.{domain}", listName = MailingLists.DisplayName(list);
        var shared = MailComposer.Compose(options.Value.Smtp.Sender, new MailboxAddress("", "x@" + domain), email.Subject, new TextPart("plain"), date);
        // RFC 2919: a phrase, then the id in angle brackets. As a phrase (quoted or encoded words, not unstructured
        // text), so that no "@", ":" or "<" in a list's name can read as an address or a second id.
        shared.Headers.Add(ListIdHeader(listName, listId));
        shared.Headers.Add(HeaderId.ListUnsubscribePost, "List-Unsubscribe=One-Click");
        var headers = new[] { HeaderId.From, HeaderId.Subject, HeaderId.ListId, HeaderId.ListUnsubscribePost }
            .Select(id => shared.Headers.First(h => h.Id == id))
            .Concat(MailComposer.AutomaticBulk.Select(auto => shared.Headers.First(h => h.Field == auto.Field))).ToList();
        string[] placeholders = [model.NamePlaceholder, model.UnsubscribePlaceholder, model.ManagePlaceholder];
        return new Rendered(email, listId, listName,
            PartTemplate.Create("plain", email.Text, placeholders, breakAtSpaces: false),
            PartTemplate.Create("html", email.Html, placeholders, breakAtSpaces: true), headers, model.NamePlaceholder, model.UnsubscribePlaceholder,
            model.ManagePlaceholder);
    }

    /// <summary>
    /// The digest as its public archive page shows it: the same template, rendered without any personal part (a neutral
    /// greeting; links to subscribe and to the archive instead of the reader's own).
    /// </summary>
    public async Task<string> RenderArchivedAsync(MailingList list, IReadOnlyList<Article> articles, int moreArticles, string baseUrl, DateTimeOffset date,
        string archiveListUrl, string subscribeUrl)
    {
        var model = Model(list, articles, moreArticles, baseUrl, date) with { Archived = true, ArchiveListUrl = archiveListUrl, SubscribeUrl = subscribeUrl };
        return (await renderer.RenderAsync<DigestEmail, DigestText, DigestModel>(model, model.Subject)).Html;
    }

    private DigestModel Model(MailingList list, IReadOnlyList<Article> articles, int moreArticles, string baseUrl, DateTimeOffset date)
    {
        var site = options.Value.Site;
        var links = new SiteLinks(baseUrl);
        var zone = MailingLists.Zone(list); // the digest is dated where its readers are
        return new DigestModel(site.Language, site.Title, links.Home.AbsoluteUri, list.Name, MailingLists.DisplayName(list),
            links.Feed(null, Feeds.FeedFormat.Rss).AbsoluteUri, TimeZoneInfo.ConvertTime(date, zone),
            articles.Select(a => new DigestArticle(a.Title, links.Article(a.Slug).AbsoluteUri, a.PublishedAt, a.Category, a.Summary)).ToList(),
            moreArticles, site.PostalAddress);
    }

    /// <summary>
    /// One recipient's message: their name, their signed one-click unsubscribe link (for the membership), their signed
    /// manage link (for the subscriber), the ledger's Message-ID.
    /// </summary>
    public MimeMessage Personalize(Rendered digest, int membershipId, int subscriberId, string email, string? name, string messageId, string baseUrl)
    {
        var site = options.Value.Site;
        string unsubscribe = $"{baseUrl.TrimEnd('/')}/unsubscribe/{tokens.Create(TokenPurpose.Unsubscribe, membershipId)}";
        string manage = $"{baseUrl.TrimEnd('/')}/manage/{tokens.Create(TokenPurpose.Manage, subscriberId)}";
        // Names are checked when they come in; one that got into the database some other way still never puts a
        // control character (a line break in a header, a NUL in an 8bit part) into the mail.
        name = name is null ? null : HeaderText.ForHeader(name);
        string shownName = string.IsNullOrWhiteSpace(name) ? (site.IsChinese ? "读者" : "reader") : name;
        var to = new MailboxAddress(name ?? "", email);
        byte[] link = Encoding.UTF8.GetBytes(unsubscribe), manageLink = Encoding.UTF8.GetBytes(manage);
        var text = digest.Text?.Fill([Encoding.UTF8.GetBytes(shownName), link, manageLink]);
        var html = digest.Html?.Fill([Encoding.UTF8.GetBytes(Html(shownName)), link, manageLink]);
        MimeMessage message;
        if (text is not null && html is not null)
        {
            // Built from the shared headers, not with new MimeMessage(): that one formats a Date and makes a Message-Id
            // (an IDN conversion of the host name) which are replaced at once, 28% of this method in a profile.
            message = new MimeMessage(digest.Headers.Select(shared =>
            {
                var copy = new Header(shared.Id, "");
                copy.SetRawValue(shared.RawValue);
                return copy;
            }));
            message.To.Add(to);
            message.Date = clock.GetUtcNow(); // when it is sent: a large or resumed digest goes out over hours
            message.MessageId = messageId;
            message.Headers.Add(HeaderId.ListUnsubscribe, $"<{unsubscribe}>");
            message.Body = new MultipartAlternative { text, html };
            return message;
        }
        else
        {
            // A part that could not be spliced (a line too long for 8 bits): fill in strings and let MimeKit encode.
            var personal = digest.Email with
            {
                Html = digest.Email.Html.Replace(digest.NamePlaceholder, Html(shownName)).Replace(digest.UnsubscribePlaceholder, unsubscribe)
                    .Replace(digest.ManagePlaceholder, manage),
                Text = digest.Email.Text.Replace(digest.NamePlaceholder, shownName).Replace(digest.UnsubscribePlaceholder, unsubscribe)
                    .Replace(digest.ManagePlaceholder, manage),
            };
            message = MailComposer.Compose(options.Value.Smtp.Sender, to, personal, clock.GetUtcNow(), messageId);
        }
        message.Headers.Replace(ListIdHeader(digest.ListName, digest.ListId));
        message.Headers.Add(HeaderId.ListUnsubscribe, $"<{unsubscribe}>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        return message;
    }

    private static string Html(string text) => ArticleHtml.Escape(text);

    private static Header ListIdHeader(string listName, string listId)
    {
        var header = new Header(HeaderId.ListId, "");
        header.SetRawValue(HeaderText.ListIdValue(listName, listId));
        return header;
    }
}
