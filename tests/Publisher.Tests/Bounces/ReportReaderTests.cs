using System.Text;
using MimeKit;
using Publisher.Bounces;

namespace Publisher.Tests.Bounces;

/// <summary>Reports as mail systems write them, read without a mailbox or a database.</summary>
public sealed class ReportReaderTests
{
    private const string Id = "digest-7.subscriber-42@feeds.example.test";
    private const string To = "zhang.wei@example.org";

    [Theory]
    [InlineData(SampleReports.PostfixHard, "5.1.1", "User unknown in virtual mailbox table")]
    [InlineData(SampleReports.EximHard, "5.0.0", "550 No such user here")]
    [InlineData(SampleReports.GmailHard, "5.1.1", "The email account that you tried to reach does not exist")]
    public void PermanentFailuresOfEachMailSystemAreHardBouncesNamingOurMessageAndTheRecipient(string sample, string status, string words)
    {
        var report = ReportReader.Read(SampleReports.Message(sample, Id, To));
        Assert.Equal(ReportKind.Hard, report.Kind);
        Assert.Equal(status, report.Status);
        Assert.Equal(Id, report.OriginalMessageId);
        Assert.Equal(To, report.Recipient);
        Assert.Contains(words, report.Detail);
    }

    [Fact]
    public void AReportThatReturnsNoHeadersStillNamesTheRecipient()
    {
        var report = ReportReader.Read(SampleReports.Message(SampleReports.SendmailHardWithoutHeaders, Id, To));
        Assert.Equal(ReportKind.Hard, report.Kind);
        Assert.Equal("5.2.1", report.Status);
        Assert.Null(report.OriginalMessageId);
        Assert.Equal(To, report.Recipient);
    }

    [Fact]
    public void ADelayWarningIsSoft()
    {
        var report = ReportReader.Read(SampleReports.Message(SampleReports.PostfixDelayed, Id, To));
        Assert.Equal(ReportKind.Soft, report.Kind);
        Assert.Equal("4.2.2", report.Status);
        Assert.Equal(Id, report.OriginalMessageId);
    }

    [Fact]
    public void AFailureWithATemporaryStatusIsSoftTooNotHard()
    {
        // Postfix gives up on a message after its queue lifetime with "Action: failed" and the last 4.x.x it saw.
        var expired = Edit(SampleReports.PostfixDelayed, "Action: delayed", "Action: failed");
        var report = ReportReader.Read(expired);
        Assert.Equal(ReportKind.Soft, report.Kind);
    }

    [Fact]
    public void AMissingStatusIsTakenFromTheDiagnostic()
    {
        var report = ReportReader.Read(Edit(SampleReports.PostfixHard, "Status: 5.1.1\r\n", ""));
        Assert.Equal(ReportKind.Hard, report.Kind);
        Assert.Equal("5.1.1", report.Status);

        var bare = ReportReader.Read(Edit(SampleReports.EximHard, "Status: 5.0.0\r\n", ""));
        Assert.Equal(ReportKind.Hard, bare.Kind); // "550 No such user here": a 5xx reply, no enhanced code
        Assert.Equal("5.0.0", bare.Status);
    }

    [Fact]
    public void AnAbuseReportIsAComplaintAndOtherFeedbackIsNot()
    {
        var report = ReportReader.Read(SampleReports.Message(SampleReports.Complaint, Id, To));
        Assert.Equal(ReportKind.Complaint, report.Kind);
        Assert.Equal("abuse", report.Status);
        Assert.Equal(Id, report.OriginalMessageId);
        Assert.Equal(To, report.Recipient);
        Assert.Contains("ExampleMail-Feedback/2.0", report.Detail);

        var notSpam = ReportReader.Read(Edit(SampleReports.Complaint, "Feedback-Type: abuse", "Feedback-Type: not-spam"));
        Assert.Equal(ReportKind.Other, notSpam.Kind);
        Assert.Equal("not-spam", notSpam.Status);
    }

    [Fact]
    public void AComplaintWhoseRecipientIsRedactedIsStillMatchedByItsMessageId()
    {
        // Some feedback loops blank out the recipient; the Message-ID in the returned message is all there is.
        var complaint = Edit(SampleReports.Complaint, $"Original-Rcpt-To: <{To}>\r\n", "");
        ((MessagePart)((Multipart)complaint.Body!)[2]).Message!.To.Clear();
        var report = ReportReader.Read(complaint);
        Assert.Equal(ReportKind.Complaint, report.Kind);
        Assert.Equal(Id, report.OriginalMessageId);
        Assert.Null(report.Recipient);
    }

    [Theory]
    [InlineData(SampleReports.Malformed, "no status")]
    [InlineData(SampleReports.AutoReply, "not a delivery report")]
    public void WhatIsNotAReadableReportIsMalformedWithTheReason(string sample, string why)
    {
        var report = ReportReader.Read(SampleReports.Message(sample, Id, To));
        Assert.Equal(ReportKind.Malformed, report.Kind);
        Assert.Contains(why, report.Detail);
    }

    [Fact]
    public void AFeedbackReportWithoutItsTypeAndAReportWithoutAMachinePartAreMalformed()
    {
        Assert.Equal(ReportKind.Malformed, ReportReader.Read(Edit(SampleReports.Complaint, "Feedback-Type: abuse\r\n", "")).Kind);
        Assert.Equal(ReportKind.Malformed, ReportReader.Read(Edit(SampleReports.PostfixHard, "Content-Type: message/delivery-status", "Content-Type: text/plain")).Kind);
    }

    [Fact]
    public void GarbageBytesAreMalformedNotAnException()
    {
        var bytes = new byte[4096];
        new Random(13).NextBytes(bytes);
        var message = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes("Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\n").Concat(bytes).ToArray()));
        Assert.Equal(ReportKind.Malformed, ReportReader.Read(message).Kind);
    }

    private static MimeMessage Edit(string sample, string from, string to)
    {
        string text = Encoding.UTF8.GetString(SampleReports.Bytes(sample, Id, To));
        Assert.Contains(from, text);
        return MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text.Replace(from, to))));
    }
}
