using Microsoft.Extensions.Options;
using MimeKit;
using Publisher.Email;
using Publisher.Tests.Support;

namespace Publisher.Tests.Email;

public sealed class OutboxMailTransportTests
{
    [Fact]
    public async Task EachMessageIsOneCompleteEmlFileInTheOutbox()
    {
        using var site = new TempSite();
        var transport = new OutboxMailTransport(Options.Create(new PublisherOptions { DataPath = site.DataPath }));
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("publisher@example.org"));
        message.To.Add(new MailboxAddress("张三", "zhang@example.org"));
        message.Subject = "中文主题";
        message.Body = new TextPart("plain") { Text = "正文" };

        await transport.SendAsync(message);
        await transport.SendAsync(message);

        var files = Directory.GetFiles(Path.Combine(site.DataPath, "outbox"));
        Assert.Equal(2, files.Length);
        Assert.All(files, f => Assert.EndsWith(".eml", f));
        var read = await MimeMessage.LoadAsync(files[0]);
        Assert.Equal("中文主题", read.Subject);
        Assert.Equal("正文", read.TextBody?.Trim());
    }
}
