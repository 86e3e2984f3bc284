using Publisher.Articles;

namespace Publisher.Feeds;

/// <summary>
/// What one feed document shows: a page of a group's articles (newest first) and where it stands among the pages.
/// <see cref="IdHost"/> names the site in entry ids; it comes from configuration, never from a request.
/// </summary>
public sealed record FeedPage(FeedKey Key, string Title, IReadOnlyList<Article> Items, int Pages, SiteLinks Links, string IdHost);
