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
/// their name and unsubscribe link: rendering costs far more than a string replace.
/// </summary>
public sealed class DigestComposer(EmailRenderer renderer, SubscriberTokens tokens, IOptions<PublisherOptions> options)
{
    public sealed record Rendered(RenderedEmail Email, string ListId, string ListName);

    public async Task<Rendered> RenderAsync(MailingList list, IReadOnlyList<Article> articles, int moreArticles, string baseUrl, DateTimeOffset date)
    {
        var site = options.Value.Site;
        var links = new SiteLinks(baseUrl);
        var zone = ArticleDates.ZoneFor(site);
        var model = new DigestModel(site.Language, site.Title, links.Home.AbsoluteUri, list.Name, list.Description,
            links.Feed(null, Feeds.FeedFormat.Rss).AbsoluteUri, TimeZoneInfo.ConvertTime(date, zone),
            articles.Select(a => new DigestArticle(a.Title, links.Article(a.Slug).AbsoluteUri, a.PublishedAt, a.Category, a.Summary)).ToList(),
            moreArticles);
        var email = await renderer.RenderAsync<DigestEmail, DigestText, DigestModel>(model, model.Subject);
        string domain = DigestPlanner.MessageDomain(options.Value);
        // RFC 2919: the List-Id is a dot-atom of ASCII; a list named in Chinese becomes its IDNA (punycode) form.
        string listLabel;
        try { listLabel = new System.Globalization.IdnMapping().GetAscii(list.Name.ToLowerInvariant()); }
        catch (ArgumentException) { listLabel = "list-" + list.Id; }
        return new Rendered(email, $"{listLabel}.{domain}", list.Description.Length > 0 ? list.Description : list.Name);
    }

    /// <summary>One recipient's message: their name, their signed one-click unsubscribe link, the ledger's Message-ID.</summary>
    public MimeMessage Personalize(Rendered digest, int membershipId, string email, string? name, string messageId, string baseUrl)
    {
        var site = options.Value.Site;
        string unsubscribe = $"{baseUrl.TrimEnd('/')}/unsubscribe/{tokens.Create(TokenPurpose.Unsubscribe, membershipId)}";
        string shownName = string.IsNullOrWhiteSpace(name) ? (site.IsChinese ? "读者" : "reader") : name;
        var personal = digest.Email with
        {
            Html = digest.Email.Html.Replace(DigestModel.NamePlaceholder, Html(shownName)).Replace(DigestModel.UnsubscribePlaceholder, unsubscribe),
            Text = digest.Email.Text.Replace(DigestModel.NamePlaceholder, shownName).Replace(DigestModel.UnsubscribePlaceholder, unsubscribe),
        };
        var message = MailComposer.Compose(options.Value.Smtp.From, new MailboxAddress(name ?? "", email), personal, messageId);
        message.Headers.Add(HeaderId.ListId, $"{digest.ListName} <{digest.ListId}>");
        message.Headers.Add(HeaderId.ListUnsubscribe, $"<{unsubscribe}>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        return message;
    }

    private static string Html(string text) => ArticleHtml.Escape(text);
}
