namespace Publisher.Articles;

public static class ArticlesExtensions
{
    public static WebApplicationBuilder AddArticles(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ArticleChanges>();
        builder.Services.AddSingleton<IngestRejections>();
        builder.Services.AddScoped<ArticleIngestor>();
        builder.Services.AddHostedService<ArticleWatcher>();
        return builder;
    }
}
