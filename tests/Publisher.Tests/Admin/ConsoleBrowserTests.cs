using System.Text;
using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Publisher.Tests.Support;

namespace Publisher.Tests.Admin;

/// <summary>
/// The console in a real browser (Debian's chromium driven by Playwright) against the service in its own process on a
/// loopback port, sending to an SMTP server in the test: the whole flow of an admin's visit. Every page is checked with
/// axe (no serious or critical violation), must not scroll sideways at 390 px or 1280 px, and is saved as a screenshot
/// at both widths under tests/artifacts/admin/.
/// </summary>
public sealed class ConsoleBrowserTests : IAsyncLifetime
{
    private static readonly string Artifacts = Path.Combine(RepoPaths.Root, "tests", "artifacts", "admin");
    private readonly TempSite _site = new();
    private readonly TestSmtpServer _smtp = new();
    private ServiceProcess _service = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private readonly List<string> _checked = [];

    public async Task InitializeAsync()
    {
        _site.AddSeed();
        _site.AddFixture("90_reject_no_title.txt");
        _service = await ServiceProcess.StartAsync(_site, baseUrl => [$"--Publisher:Site:BaseUrl={baseUrl}", .. _smtp.Settings().Select(kv => $"--{kv.Key}={kv.Value}")]);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        Directory.CreateDirectory(Artifacts);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _service.DisposeAsync();
        await _smtp.DisposeAsync();
        _site.Dispose();
    }

    /// <summary>No serious or critical axe violation; nothing wider than the window at 1280 and 390 px; a screenshot at each.</summary>
    private async Task CheckAsync(IPage page, string name)
    {
        foreach (int width in new[] { 1280, 390 })
        {
            await page.SetViewportSizeAsync(width, 860);
            int scrollWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            Assert.True(scrollWidth <= width, $"{name} at {width} px is {scrollWidth} px wide: it scrolls sideways");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, $"{name}-{width}.png"), FullPage = true });
            // Not into the digest preview: its sandbox lets no script run, so axe would wait for it forever (the mail has its own tests).
            var axe = await page.RunAxe(new Deque.AxeCore.Commons.AxeRunOptions { Iframes = false });
            var bad = axe.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
            Assert.True(bad.Count == 0, $"{name} at {width} px: " + string.Join("\n", bad.Select(v =>
                $"{v.Impact} {v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
        }
        await page.SetViewportSizeAsync(1280, 860);
        _checked.Add(name);
    }

    [Fact]
    public async Task AnAdminSignsInMakesAListImportsSendsADigestAndSignsOut()
    {
        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 860 }, BaseURL = _service.BaseUrl });
        var page = await context.NewPageAsync();
        try { await FlowAsync(page); }
        catch
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "failure.png"), FullPage = true });
            throw;
        }
    }

    private async Task FlowAsync(IPage page)
    {
        var cspErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") cspErrors.Add(message.Text); };

        // A stranger is sent to the sign-in form; a wrong key is refused next to the field.
        await page.GotoAsync("/admin");
        Assert.EndsWith("/admin/signin", page.Url);
        await page.GetByLabel("管理密钥").FillAsync("not-the-key-at-all");
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        Assert.Equal("管理密钥不对。", (await page.Locator("#key-error").TextContentAsync())?.Trim());
        await CheckAsync(page, "signin-wrong-key");

        await page.GetByLabel("管理密钥").FillAsync(TempSite.AdminKey);
        await page.GetByLabel("管理密钥").PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("/admin$"));
        Assert.Equal("订阅列表", await page.Locator("h1").TextContentAsync());
        await CheckAsync(page, "lists-empty");

        // The keyboard alone: the skip link comes first, then the navigation, each with a visible focus ring.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("skip", await page.EvaluateAsync<string>("() => document.activeElement.className"));
        Assert.Equal("solid", await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle"));
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("订阅列表", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        Assert.Equal("solid", await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle"));

        // A new list; a bad zone first, named next to its field.
        await page.GetByRole(AriaRole.Link, new() { Name = "新建列表" }).ClickAsync();
        await CheckAsync(page, "list-new");
        await page.GetByLabel("名称", new() { Exact = true }).FillAsync("morning");
        await page.GetByLabel("显示标题").FillAsync("早间要闻");
        await page.GetByLabel("说明").FillAsync("每天早上八点的政务摘要");
        await page.GetByLabel("时区").FillAsync("Asia/Nowhere");
        await page.GetByRole(AriaRole.Button, new() { Name = "创建列表" }).ClickAsync();
        Assert.Contains("Asia/Nowhere", await page.Locator("#timeZone-error").TextContentAsync());
        Assert.Equal("早间要闻", await page.GetByLabel("显示标题").InputValueAsync());
        await CheckAsync(page, "list-new-errors");
        await page.GetByLabel("时区").FillAsync("Asia/Shanghai");
        await page.GetByRole(AriaRole.Button, new() { Name = "创建列表" }).ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/admin/lists/morning\?done=created$"));
        Assert.Equal("列表已创建。", (await page.Locator("p.note").TextContentAsync())?.Trim());

        // An import with bad rows: each is named by its line.
        string csv = "email,name\nada@example.org,Ada\nbob@example,Bob\ncyd@example.org,Cyd\n\nada@example.org,Ada again\ndan@example.org,Dan\n";
        await page.GetByLabel("CSV 文件").SetInputFilesAsync(new FilePayload { Name = "readers.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await page.GetByLabel("都已征得同意").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "导入", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/imports/[0-9a-f]+$"));
        // A small file's report is there at once; on a loaded machine the page may first show the rows read so far,
        // and the admin asks again, as a person would.
        for (int tries = 0; !await page.GetByText("未导入的行").IsVisibleAsync(); tries++)
        {
            Assert.True(tries < 60, "the import report never came");
            await Task.Delay(500);
            await page.ReloadAsync(); // what the page's "刷新进度" link does (it may be gone once the report is there)
        }
        var lines = await page.Locator("td[data-label='行号']").AllTextContentsAsync();
        Assert.Equal(["3", "6"], lines.Select(l => l.Trim()));
        Assert.Contains("duplicate of line 2", await page.Locator("table").TextContentAsync());
        await CheckAsync(page, "import-report");

        await page.GetByRole(AriaRole.Link, new() { Name = "返回 morning" }).ClickAsync();
        Assert.Equal("3", (await page.Locator("dl.counts dd").First.TextContentAsync())?.Trim());
        await CheckAsync(page, "list");

        // Send a digest and see its counts.
        await page.GetByRole(AriaRole.Link, new() { Name = "摘要邮件" }).ClickAsync();
        await CheckAsync(page, "digests-before");
        await page.GetByRole(AriaRole.Button, new() { Name = "立即发送" }).ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/digests\?done=queued&digest=\d+$"));
        await Eventually.HoldsAsync(() => Task.FromResult(_smtp.Received.Count == 3), TimeSpan.FromSeconds(30), "three mails reach the SMTP server");
        await Eventually.HoldsAsync(async () =>
        {
            await page.ReloadAsync();
            return (await page.Locator("#history td[data-label='已发送']").First.TextContentAsync())?.Trim() == "3";
        }, TimeSpan.FromSeconds(30), "the history counts 3 sent");
        Assert.Equal("0", (await page.Locator("#history td[data-label='失败']").First.TextContentAsync())?.Trim());
        await CheckAsync(page, "digests-after");

        foreach (var (path, name) in new[] { ("/admin", "lists"), ("/admin/lists/morning/edit", "list-edit"), ("/admin/lists/morning/delete", "list-delete"),
                     ("/admin/articles", "articles"), ("/admin/lists/morning?q=example&status=confirmed", "list-search") })
        {
            await page.GotoAsync(path);
            await CheckAsync(page, name);
        }
        await page.GotoAsync("/admin/articles");
        Assert.Contains("90_reject_no_title.txt", await page.Locator("main").TextContentAsync());

        // Sign out: the console is closed again.
        await page.GetByRole(AriaRole.Button, new() { Name = "退出登录" }).ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/admin/signin\?out=1$"));
        await page.GetByText("已退出登录。").WaitForAsync();
        await CheckAsync(page, "signed-out");
        await page.GotoAsync("/admin/lists/morning");
        Assert.Contains("/admin/signin", page.Url);
        Assert.DoesNotContain(cspErrors, e => e.Contains("Content Security Policy")); // nothing on any page was blocked by the CSP
        Assert.Equal(14, _checked.Count); // every page of the console, in each state the flow met
    }
}
