using System.Text.RegularExpressions;
using MimeKit;
using Publisher.Tests.Support;

namespace Publisher.Tests.Email;

/// <summary>Who the mails say they come from, and what they say about themselves, as the receiving server sees them.</summary>
[Collection(nameof(SampleMailsCollection))]
public sealed class SenderIdentityTests(SampleMails mails)
{
    private MimeMessage Digest => SampleMails.Load(mails.Digest);
    private MimeMessage Confirmation => SampleMails.Load(mails.Confirmation);

    [Fact]
    public void EveryMailsMessageIdIsOnTheSitesDomain()
    {
        Assert.EndsWith("@news.example.cn", Digest.MessageId);
        Assert.EndsWith("@news.example.cn", Confirmation.MessageId);
    }

    [Fact]
    public void TheHostGreetsTheServerWithTheSitesHostName()
    {
        Assert.NotEmpty(mails.Greetings);
        Assert.All(mails.Greetings, name => Assert.Equal("news.example.cn", name));
    }

    [Fact]
    public void DigestsAndConfirmationsSayTheyAreAutomaticBulkMail()
    {
        foreach (var mail in new[] { Digest, Confirmation })
        {
            Assert.Equal("auto-generated", mail.Headers["Auto-Submitted"]);
            Assert.Equal("bulk", mail.Headers["Precedence"]);
        }
    }

    [Fact]
    public void TheDigestAndTheConfirmationGoByTheListsTitle()
    {
        var digest = Digest;
        Assert.StartsWith(SampleMails.ListTitle + "｜", digest.Subject);
        Assert.Contains($">{SampleMails.ListTitle}</td>", digest.HtmlBody); // the heading
        Assert.Contains($"「{SampleMails.ListTitle}」", digest.TextBody);
        Assert.StartsWith(SampleMails.ListTitle + " <news.news.example.cn>", digest.Headers[HeaderId.ListId]);
        Assert.Equal($"请确认订阅「{SampleMails.ListTitle}」", Confirmation.Subject);
    }

    [Fact]
    public void TheDigestIsFromTheConfiguredSenderAndShowsItsPostalAddressInBothParts()
    {
        var digest = Digest;
        Assert.Equal("digest@news.example.cn", digest.From.Mailboxes.Single().Address);
        Assert.Contains(SampleMails.PostalAddress, digest.HtmlBody);
        Assert.Contains(SampleMails.PostalAddress, digest.TextBody);
        // In the footer, after the reason the reader gets the mail.
        Assert.True(digest.TextBody!.IndexOf(SampleMails.PostalAddress, StringComparison.Ordinal) > digest.TextBody.IndexOf("您收到这封邮件", StringComparison.Ordinal));
    }

    [Fact]
    public void TheConfirmationShowsItsAddressOnceInEachPart()
    {
        var mail = Confirmation;
        var links = Regex.Matches(mail.HtmlBody!, @"href=""(?<url>[^""]+)""").Select(m => m.Groups["url"].Value).ToList();
        string confirm = Assert.Single(links, url => url.Contains("/confirm/"));
        // Shown once: as the button. The same address again as a second visible link is what filters count against it.
        Assert.Single(Regex.Matches(mail.HtmlBody!, Regex.Escape(confirm)));
        Assert.Single(Regex.Matches(mail.TextBody!, Regex.Escape(confirm)));
    }
}
