using System.Net.Http.Json;
using System.Text;
using Publisher.Tests.Support;

namespace Publisher.Tests.Subscribers;

/// <summary>The <c>lists</c> and <c>subscribers</c> verbs as a real process, with the contract's exit codes.</summary>
public sealed class SubscriberVerbTests : IDisposable
{
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task AListIsCreatedFilledExportedAndShown()
    {
        var created = await PublisherProcess.RunAsync(_site, "lists", "create", "news", "--schedule", "30 7 * * *", "--timezone", "Asia/Shanghai", "--categories", "人民监督,通知公告");
        Assert.True(created.ExitCode == 0, created.Stderr);
        Assert.Equal(2, (await PublisherProcess.RunAsync(_site, "lists", "create", "news")).ExitCode);

        var added = await PublisherProcess.RunAsync(_site, "subscribers", "add", "Zhang@Example.ORG", "--list", "news", "--name", "张三", "--confirmed");
        Assert.True(added.ExitCode == 0, added.Stderr);

        string csv = Path.Combine(_site.Root, "people.csv");
        File.WriteAllText(csv, "email,name\nli@example.org,李四\nbroken,王五\nzhang@example.org,张三\n", new UTF8Encoding(true));
        var import = await PublisherProcess.RunAsync(_site, "subscribers", "import", csv, "--list", "news");
        Assert.Equal(1, import.ExitCode);
        Assert.Contains("line 3: broken:", import.Stderr);
        Assert.Contains("added 1", import.Stdout);
        Assert.Contains("unchanged 1", import.Stdout);
        // Double opt-in without --confirmed: the verb sends the confirmation it caused (to the outbox here).
        Assert.Single(Directory.GetFiles(Path.Combine(_site.DataPath, "outbox"), "*.eml"));

        string exported = Path.Combine(_site.Root, "out.csv");
        var export = await PublisherProcess.RunAsync(_site, "subscribers", "export", "--list", "news", "--out", exported);
        Assert.True(export.ExitCode == 0, export.Stderr);
        var lines = File.ReadAllLines(exported);
        Assert.Equal("email,name,status,subscribed_at,confirmed_at", lines[0]);
        Assert.Matches(@"^Zhang@example\.org,张三,confirmed,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,\d{4}-", lines[1]);
        Assert.StartsWith("li@example.org,李四,unconfirmed,", lines[2]);

        var show = await PublisherProcess.RunAsync(_site, "lists", "show");
        Assert.Contains("news\t30 7 * * *\tAsia/Shanghai\tdouble\t人民监督,通知公告\t1\t1\t0\t0", show.Stdout);

        var removed = await PublisherProcess.RunAsync(_site, "subscribers", "remove", "li@example.org", "--list", "news");
        Assert.Equal(0, removed.ExitCode);
        Assert.Equal(0, (await PublisherProcess.RunAsync(_site, "subscribers", "remove", "li@example.org", "--list", "news")).ExitCode);
        Assert.Equal(1, (await PublisherProcess.RunAsync(_site, "subscribers", "remove", "nobody@example.org", "--list", "news")).ExitCode);
        Assert.Contains("li@example.org,李四,unsubscribed,", (await PublisherProcess.RunAsync(_site, "subscribers", "export", "--list", "news")).Stdout);
    }

    [Fact]
    public async Task AListsTitleIsGivenWithTitleAndShown()
    {
        var created = await PublisherProcess.RunAsync(_site, "lists", "create", "news", "--title", "每日政务要闻");
        Assert.True(created.ExitCode == 0, created.Stderr);
        var show = await PublisherProcess.RunAsync(_site, "lists", "show");
        Assert.Equal("title", show.Lines[0].Split('\t')[^1]);
        Assert.Equal("每日政务要闻", show.Lines[1].Split('\t')[^1]);
    }

    [Fact]
    public async Task AListsArchiveIsOnUnlessCreatedWithArchiveOff()
    {
        Assert.Equal(0, (await PublisherProcess.RunAsync(_site, "lists", "create", "open")).ExitCode);
        var created = await PublisherProcess.RunAsync(_site, "lists", "create", "private", "--archive", "off");
        Assert.True(created.ExitCode == 0, created.Stderr);
        await using var factory = new PublisherFactory(_site.Settings());
        var admin = factory.CreateAdminClient();
        Assert.True((await admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/lists/open")).GetProperty("archive").GetBoolean());
        Assert.False((await admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/lists/private")).GetProperty("archive").GetBoolean());
        Assert.Equal(System.Net.HttpStatusCode.OK, (await factory.CreateClient().GetAsync("/archive/open")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await factory.CreateClient().GetAsync("/archive/private")).StatusCode);
    }

    [Theory]
    [InlineData("subscribers", "add", "a@example.org", "--list", "nope")]
    [InlineData("subscribers", "add", "a@b", "--list", "news")]
    [InlineData("subscribers", "add", "a@example.org", "--list", "news", "--name", "a\nBcc: x@example.org")]
    [InlineData("subscribers", "export", "--list", "nope")]
    [InlineData("subscribers", "import", "/no/such.csv", "--list", "news")]
    [InlineData("lists", "create", "x", "--schedule", "not cron")]
    [InlineData("lists", "create", "x", "--optin", "triple")]
    [InlineData("lists", "create", "x", "--archive", "maybe")]
    [InlineData("lists", "create", "x", "--title", "a\nb")]
    [InlineData("subscribers", "add", "a@example.org")]
    public async Task BadArgumentsExitWithTwoAndChangeNothing(params string[] args)
    {
        Assert.Equal(0, (await PublisherProcess.RunAsync(_site, "lists", "create", "news")).ExitCode);
        var run = await PublisherProcess.RunAsync(_site, args);
        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}: {run.Stderr}");
        Assert.NotEqual("", run.Stderr.Trim());
        var show = await PublisherProcess.RunAsync(_site, "lists", "show");
        Assert.Equal(2, show.Lines.Length); // the header and 'news'
        Assert.EndsWith("\t0\t0\t0\t0", show.Lines[1]);
    }
}
