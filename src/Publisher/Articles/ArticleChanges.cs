namespace Publisher.Articles;

/// <summary>Tells whoever publishes from the articles (feeds, pages) that they changed.</summary>
public sealed class ArticleChanges : Signal;
