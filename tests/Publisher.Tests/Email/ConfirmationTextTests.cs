using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Microsoft.Extensions.DependencyInjection;
using Publisher.Templates;
using Publisher.Templates.Confirmation;

namespace Publisher.Tests.Email;

/// <summary>The confirmation mail's parts, each written for what it is: a button in HTML, a link to open in text.</summary>
public sealed class ConfirmationTextTests : IAsyncDisposable
{
    private const string ConfirmUrl = "https://news.example.cn/confirm/AQEAAAAHAAAAAGlGZQBrYWJjZGVmZ2hpamtsbW5vcA";
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddLogging()
        .AddSingleton(HtmlEncoder.Create(UnicodeRanges.All))
        .AddSingleton<EmailRenderer>()
        .BuildServiceProvider();

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private Task<RenderedEmail> RenderAsync(string language)
    {
        var model = new ConfirmationModel(language, "政务公开", "news", "政务要闻", null, ConfirmUrl, 7);
        return _services.GetRequiredService<EmailRenderer>().RenderAsync<ConfirmationEmail, ConfirmationText, ConfirmationModel>(model, model.Subject);
    }

    [Theory]
    [InlineData("zh-CN", "按钮", "打开下面的链接")]
    [InlineData("en", "button", "open the link below")]
    public async Task TheTextPartAsksToOpenTheLinkAndMentionsNoButton(string language, string button, string openTheLink)
    {
        var mail = await RenderAsync(language);
        Assert.DoesNotContain(button, mail.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(openTheLink, mail.Text);
        Assert.Single(Regex.Matches(mail.Text, Regex.Escape(ConfirmUrl)));
        // The link stands on a line of its own, whole, so a client makes it clickable.
        Assert.Contains("\n" + ConfirmUrl + "\n", mail.Text);
        // The HTML part keeps its button, and shows the address only there.
        Assert.Contains(button, mail.Html, StringComparison.OrdinalIgnoreCase);
        Assert.Single(Regex.Matches(mail.Html, Regex.Escape(ConfirmUrl)));
    }
}
