using System.Text;
using MimeKit;
using Publisher.Tests.Support;

namespace Publisher.Tests.Bounces;

/// <summary>
/// The delivery reports and complaints in Bounces/Reports, written in the styles of real mail systems, filled in with
/// the Message-ID and recipient of one of our deliveries. <c>{{REPORT_TAG}}</c> makes each report's own Message-ID
/// distinct; the same tag twice is the same report arriving twice.
/// </summary>
public static class SampleReports
{
    public const string PostfixHard = "postfix-hard.eml";
    public const string EximHard = "exim-hard.eml";
    public const string GmailHard = "gmail-hard.eml";
    /// <summary>A permanent failure that returns no headers: only the recipient names the delivery.</summary>
    public const string SendmailHardWithoutHeaders = "sendmail-hard-no-headers.eml";
    /// <summary>Postfix's "Delayed Mail" warning, 4.2.2 mailbox full.</summary>
    public const string PostfixDelayed = "postfix-delayed.eml";
    public const string Complaint = "arf-complaint.eml";
    /// <summary>A bounce of someone else's mail sent from our domain: no delivery of ours.</summary>
    public const string Unmatched = "unmatched.eml";
    /// <summary>A multipart/report whose delivery-status part gives no status.</summary>
    public const string Malformed = "malformed.eml";
    /// <summary>An out-of-office reply: no report at all.</summary>
    public const string AutoReply = "autoreply.eml";

    public static byte[] Bytes(string name, string messageId = "digest-1.subscriber-1@feeds.example.test", string recipient = "reader1@example.org",
        string tag = "t1")
    {
        string text = File.ReadAllText(RepoPaths.Fixture("Bounces", "Reports", name))
            .Replace("{{MESSAGE_ID}}", messageId).Replace("{{RECIPIENT}}", recipient).Replace("{{REPORT_TAG}}", tag)
            .ReplaceLineEndings("\r\n");
        return Encoding.UTF8.GetBytes(text);
    }

    public static MimeMessage Message(string name, string messageId = "digest-1.subscriber-1@feeds.example.test", string recipient = "reader1@example.org",
        string tag = "t1") => MimeMessage.Load(new MemoryStream(Bytes(name, messageId, recipient, tag)));
}
