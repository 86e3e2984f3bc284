using System.Text.Json;
using System.Text.RegularExpressions;
using Publisher.Tests.Support;
using Xunit.Abstractions;

namespace Publisher.Tests.Email;

/// <summary>
/// The mails in a real browser at phone and laptop widths. Headless Chromium will not make a window narrower than
/// about 500 px, so each mail is put into an iframe of the width and measured there.
/// </summary>
[Collection(nameof(SampleMailsCollection))]
public sealed class MailRenderingTests(SampleMails mails, ITestOutputHelper output)
{
    private static readonly int[] Widths = [320, 375, 1280];

    /// <summary>Where the page and its screenshot stay after the run, for a person to look at.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "mail-rendering");

    [Fact]
    public async Task NeitherTheDigestNorTheConfirmationScrollsSidewaysAt320375Or1280Pixels()
    {
        Directory.CreateDirectory(Folder);
        string page = Path.Combine(Folder, "widths.html");
        string screenshot = Path.Combine(Folder, "widths.png");
        var html = new Dictionary<string, string>
        {
            ["digest"] = SampleMails.Load(mails.Digest).HtmlBody!,
            ["confirmation"] = SampleMails.Load(mails.Confirmation).HtmlBody!,
        };
        foreach (var (name, body) in html) File.WriteAllText(Path.Combine(Folder, name + ".html"), body);
        // Outlook for Windows ignores max-width; it alone sees a 600 px table around the mail.
        Assert.All(html.Values, body => Assert.Contains("<!--[if mso]><table role=\"presentation\" align=\"center\" width=\"600\"", body));
        File.WriteAllText(page, Harness(html));

        // The picture first, so it is there to look at when the numbers fail.
        var shot = await Chromium.RunAsync($"--screenshot={screenshot}", "--window-size=2080,3600", new Uri(page).AbsoluteUri);
        Assert.True(shot.ExitCode == 0 && File.Exists(screenshot), shot.Stderr);
        var (code, dom, stderr) = await Chromium.RunAsync("--dump-dom", new Uri(page).AbsoluteUri);
        Assert.True(code == 0, stderr);

        var measured = Regex.Matches(dom, @"(?<mail>\w+) (?<width>\d+): viewport (?<client>\d+), scrollWidth (?<scroll>\d+)")
            .Select(m => (Mail: m.Groups["mail"].Value, Width: int.Parse(m.Groups["width"].Value),
                Viewport: int.Parse(m.Groups["client"].Value), ScrollWidth: int.Parse(m.Groups["scroll"].Value)))
            .ToList();
        output.WriteLine($"screenshot: {screenshot}");
        foreach (var m in measured) output.WriteLine($"{m.Mail} at {m.Width} px: viewport {m.Viewport}, scrollWidth {m.ScrollWidth}");
        Assert.Equal(html.Count * Widths.Length, measured.Count);
        Assert.All(measured, m =>
        {
            Assert.InRange(m.Viewport, m.Width - 20, m.Width); // the frame's width, less a scroll bar if there is one
            Assert.True(m.ScrollWidth <= m.Viewport, $"the {m.Mail} scrolls sideways at {m.Width} px: {m.ScrollWidth} px wide in a {m.Viewport} px viewport (see {screenshot})");
        });
    }

    /// <summary>
    /// One page with each mail in an iframe of each width, side by side. Once everything has loaded it writes what it
    /// measured into the page, where --dump-dom finds it.
    /// </summary>
    private static string Harness(Dictionary<string, string> mails) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Mails at phone and laptop widths</title>
        <style>
          body { margin: 8px; font: 13px sans-serif; background: #d8dadd; }
          .row { display: flex; gap: 16px; align-items: flex-start; margin-bottom: 16px; }
          figure { margin: 0; }
          figcaption { padding: 2px 0; }
          iframe { display: block; border: 0; background: #fff; height: 1700px; }
        </style>
        </head>
        <body>
        <pre id="measured"></pre>
        <script>
          const mails = {{JsonSerializer.Serialize(mails)}};
          const widths = {{JsonSerializer.Serialize(Widths)}};
          for (const [name, html] of Object.entries(mails)) {
            const row = document.createElement('div');
            row.className = 'row';
            for (const width of widths) {
              const figure = document.createElement('figure');
              const caption = document.createElement('figcaption');
              caption.textContent = name + ' at ' + width + ' px';
              const frame = document.createElement('iframe');
              frame.style.width = width + 'px';
              frame.dataset.mail = name;
              frame.dataset.width = width;
              frame.srcdoc = html;
              figure.append(caption, frame);
              row.append(figure);
            }
            document.body.append(row);
          }
          window.addEventListener('load', () => {
            const lines = [];
            for (const frame of document.querySelectorAll('iframe')) {
              const root = frame.contentDocument.documentElement;
              lines.push(frame.dataset.mail + ' ' + frame.dataset.width + ': viewport ' + root.clientWidth + ', scrollWidth ' + root.scrollWidth);
            }
            document.getElementById('measured').textContent = lines.join('\n');
          });
        </script>
        </body>
        </html>
        """;
}
