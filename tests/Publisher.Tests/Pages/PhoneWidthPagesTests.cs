using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Publisher.Data;
using Publisher.Subscribers;
using Publisher.Tests.Support;
using Xunit.Abstractions;

namespace Publisher.Tests.Pages;

/// <summary>
/// The preference centre and an archived digest in headless Chromium at a phone's width (390 px), each in an iframe of
/// that width (Chromium makes no narrower window). The pages and a screenshot stay in tests/artifacts/ for a person to look at.
/// </summary>
public sealed class PhoneWidthPagesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Width = 390;
    private readonly TempSite _site = new();
    private readonly TestSmtpServer _smtp = new();
    private PublisherFactory _factory = null!;

    public static string Folder => Path.Combine(RepoPaths.Root, "tests", "artifacts");

    public async Task InitializeAsync()
    {
        var settings = _site.Settings(_smtp.Settings());
        settings["Publisher:Site:PostalAddress"] = "北京市东城区某某路 1 号";
        _factory = new PublisherFactory(settings);
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _smtp.DisposeAsync();
        _site.Dispose();
    }

    [Fact]
    public async Task TheManagePageAndAnArchivedDigestFitA390PixelPhone()
    {
        var admin = _factory.CreateAdminClient();
        var client = _factory.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/lists",
            new { name = "news", title = "每日政务要闻", categories = new[] { "通知公告", "人民监督", "政务公开", "便民服务" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/lists", new { name = "weekly", title = "每周精选" })).StatusCode);
        Assert.True((await admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true",
            new StringContent("email,name\nzhang.wei.long.address.for.a.phone@example.org,张伟\n"))).IsSuccessStatusCode);
        Assert.True((await admin.PostAsync("/api/lists/weekly/subscribers/import?confirmed=true",
            new StringContent("email,name\nzhang.wei.long.address.for.a.phone@example.org,张伟\n"))).IsSuccessStatusCode);
        string[] categories = ["通知公告", "人民监督", "政务公开", "便民服务"];
        for (int i = 1; i <= 6; i++)
        {
            var posted = await admin.PostAsJsonAsync("/api/articles", new
            {
                slug = $"p{i}", title = $"关于做好2026年冬季供暖保障和城市运行安全工作的通知（第{i}号）", publishedAt = "2026-11-20 09:00",
                category = categories[i % categories.Length],
                contentText = string.Concat(Enumerable.Repeat("为切实做好今冬明春供暖保障工作，确保群众温暖过冬，现将有关事项通知如下。", 4)),
            });
            Assert.True(posted.IsSuccessStatusCode);
        }
        int digest = (await DigestApi.SendNowAsync(admin))!.Value.GetProperty("id").GetInt32();

        int subscriberId;
        using (var scope = _factory.Services.CreateScope())
            subscriberId = await scope.ServiceProvider.GetRequiredService<PublisherDbContext>().Subscribers.Select(s => s.Id).SingleAsync();
        string token = _factory.Services.GetRequiredService<SubscriberTokens>().Create(TokenPurpose.Manage, subscriberId);
        var paused = await _factory.CreateClient(new() { AllowAutoRedirect = false }).PostAsync($"/manage/{token}/lists/weekly/pause",
            new FormUrlEncodedContent([new("for", "month")]));
        Assert.Equal(HttpStatusCode.SeeOther, paused.StatusCode);

        var pages = new Dictionary<string, string>
        {
            ["manage"] = await client.GetStringAsync($"/manage/{token}?done=paused"),
            ["archive"] = await client.GetStringAsync($"/archive/news/{digest}"),
            ["archive-list"] = await client.GetStringAsync("/archive/news"),
        };
        Directory.CreateDirectory(Folder);
        foreach (var (name, html) in pages) File.WriteAllText(Path.Combine(Folder, name + ".html"), html);
        string harness = Path.Combine(Folder, "phone-390.html"), screenshot = Path.Combine(Folder, "phone-390.png");
        File.WriteAllText(harness, Harness(pages));

        var shot = await Chromium.RunAsync($"--screenshot={screenshot}", "--window-size=1300,2600", new Uri(harness).AbsoluteUri);
        Assert.True(shot.ExitCode == 0 && File.Exists(screenshot), shot.Stderr);
        output.WriteLine($"screenshot: {screenshot}");
        var (code, dom, stderr) = await Chromium.RunAsync("--dump-dom", new Uri(harness).AbsoluteUri);
        Assert.True(code == 0, stderr);
        var measured = Regex.Matches(dom, @"(?<page>[\w-]+): viewport (?<client>\d+), scrollWidth (?<scroll>\d+)").ToList();
        Assert.Equal(pages.Count, measured.Count);
        foreach (var m in measured)
        {
            output.WriteLine(m.Value);
            int viewport = int.Parse(m.Groups["client"].Value), scroll = int.Parse(m.Groups["scroll"].Value);
            Assert.InRange(viewport, Width - 20, Width);
            Assert.True(scroll <= viewport, $"{m.Groups["page"].Value} scrolls sideways at {Width} px: {scroll} px (see {screenshot})");
        }
    }

    private static string Harness(Dictionary<string, string> pages) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Pages at 390 px</title>
        <style>
          body { margin: 8px; font: 13px sans-serif; background: #d8dadd; }
          .row { display: flex; gap: 16px; align-items: flex-start; }
          figure { margin: 0; }
          iframe { display: block; border: 0; background: #fff; width: {{Width}}px; height: 2500px; }
        </style>
        </head>
        <body>
        <pre id="measured"></pre>
        <div class="row" id="row"></div>
        <script>
          const pages = {{JsonSerializer.Serialize(pages)}};
          for (const [name, html] of Object.entries(pages)) {
            const figure = document.createElement('figure');
            const caption = document.createElement('figcaption');
            caption.textContent = name + ' at {{Width}} px';
            const frame = document.createElement('iframe');
            frame.dataset.page = name;
            frame.srcdoc = html;
            figure.append(caption, frame);
            document.getElementById('row').append(figure);
          }
          window.addEventListener('load', () => {
            const lines = [];
            for (const frame of document.querySelectorAll('iframe')) {
              const root = frame.contentDocument.documentElement;
              lines.push(frame.dataset.page + ': viewport ' + root.clientWidth + ', scrollWidth ' + root.scrollWidth);
            }
            document.getElementById('measured').textContent = lines.join('\n');
          });
        </script>
        </body>
        </html>
        """;
}
