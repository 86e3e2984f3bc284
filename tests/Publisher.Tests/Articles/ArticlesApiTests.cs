using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Publisher.Tests.Feeds;
using Publisher.Tests.Support;

namespace Publisher.Tests.Articles;

[Trait("Db", "Both")]
public sealed class ArticlesApiTests : IDisposable
{
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key-wrong-key-wrong")]
    [InlineData("Basic dGVzdA==")]
    public async Task WithoutTheAdminKeyTheApiAnswers401AsProblemJson(string? authorization)
    {
        using var factory = new PublisherFactory(_site.Settings());
        var client = factory.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/articles") { Content = JsonContent.Create(new { title = "x", publishedAt = "2024-01-01", contentText = "y" }) };
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(0, (await factory.CreateAdminClient().GetFromJsonAsync<JsonElement>("/api/articles")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task APostedArticleIsSanitizedAndPublishedBeforeTheAnswerAndPostingItAgainIsUnchanged()
    {
        using var factory = new PublisherFactory(_site.Settings());
        var admin = factory.CreateAdminClient();
        var article = new
        {
            slug = "hostile",
            title = "恶意\r\nBcc: x@y 标题",
            publishedAt = "2024-06-01 10:00",
            category = "测试",
            tags = new[] { "安全" },
            contentHtml = "<p onclick=\"steal()\">正文<script>alert(1)</script><img src=\"x\" onerror=\"alert(2)\"><a href=\"javascript:alert(3)\">链接</a><iframe src=\"http://evil\"></iframe>\u0001</p>",
        };

        var created = await admin.PostAsJsonAsync("/api/articles", article);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("added", body.GetProperty("status").GetString());
        Assert.Equal("hostile", body.GetProperty("slug").GetString());

        var stored = await admin.GetFromJsonAsync<JsonElement>("/api/articles/hostile");
        Assert.Equal("恶意 Bcc: x@y 标题", stored.GetProperty("title").GetString());
        Assert.Equal("2024-06-01T10:00:00+08:00", stored.GetProperty("publishedAt").GetString());

        var client = factory.CreateClient();
        foreach (var path in new[] { "/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json", "/articles/hostile" })
        {
            string text = await client.GetStringAsync(path);
            Assert.Contains("正文", text);
            foreach (var bad in new[] { "<script", "alert(", "onclick", "onerror", "javascript:", "iframe", "steal()", "\u0001" })
                Assert.DoesNotContain(bad, text, StringComparison.OrdinalIgnoreCase);
        }
        await FeedReader.AssertValidAtomAsync(await client.GetByteArrayAsync("/feeds/atom.xml"));

        var again = await admin.PostAsJsonAsync("/api/articles", article);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("unchanged", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        var edited = await admin.PostAsJsonAsync("/api/articles", new { article.slug, title = "改过的标题", article.publishedAt, article.contentHtml });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        Assert.Equal("updated", (await edited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(stored.GetProperty("id").GetString(), (await admin.GetFromJsonAsync<JsonElement>("/api/articles/hostile")).GetProperty("id").GetString());
    }

    [Fact]
    public async Task InvalidArticlesGet400ProblemJsonNamingTheFieldsAndStoreNothing()
    {
        using var factory = new PublisherFactory(_site.Settings());
        var admin = factory.CreateAdminClient();

        var response = await admin.PostAsJsonAsync("/api/articles", new { title = "", publishedAt = "2024-02-30", contentText = "x", contentHtml = "<p>y</p>" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("title", out _));
        Assert.Contains("2024-02-30", errors.GetProperty("publishedAt")[0].GetString());
        Assert.True(errors.TryGetProperty("content", out _));
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/articles")).GetProperty("total").GetInt32());

        var notJson = await admin.PostAsync("/api/articles", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
    }

    [Fact]
    public async Task DeletingAnArticleTakesItOutOfTheFeeds()
    {
        using var factory = new PublisherFactory(_site.Settings());
        var admin = factory.CreateAdminClient();
        await admin.PostAsJsonAsync("/api/articles", new { slug = "gone", title = "将被删除", publishedAt = "2024-01-01", contentText = "正文。" });
        Assert.Contains("将被删除", await factory.CreateClient().GetStringAsync("/feeds/rss.xml"));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/articles/gone")).StatusCode);
        Assert.DoesNotContain("将被删除", await factory.CreateClient().GetStringAsync("/feeds/rss.xml"));
        var missing = await admin.DeleteAsync("/api/articles/gone");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheAdminApiBehindTheKey()
    {
        using var factory = new PublisherFactory(_site.Settings());
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync("/openapi/v1.json")).StatusCode);
        var doc = await factory.CreateAdminClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.True(doc.GetProperty("paths").TryGetProperty("/api/articles", out _));
    }
}
