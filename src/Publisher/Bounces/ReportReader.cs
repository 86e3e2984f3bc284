using System.Text.RegularExpressions;
using MimeKit;
using MimeKit.Utils;

namespace Publisher.Bounces;

/// <summary>What a report says, before it is matched to a delivery.</summary>
/// <param name="Kind">Hard, Soft, Complaint, Other or Malformed (never Unmatched: that takes the database).</param>
/// <param name="Status">The enhanced status code (<c>5.1.1</c>) or the feedback type (<c>abuse</c>).</param>
/// <param name="Recipient">The recipient it names: the original recipient, else the final one.</param>
/// <param name="OriginalMessageId">The Message-ID of the mail it is about, from the headers it returned.</param>
/// <param name="Detail">The remote server's words, or why the report cannot be used.</param>
public sealed record ReadReport(ReportKind Kind, string? Status, string? Recipient, string? OriginalMessageId, string Detail);

/// <summary>
/// Reads delivery status notifications (RFC 3464, <c>multipart/report</c> with <c>message/delivery-status</c>) and
/// feedback reports (ARF, RFC 5965, <c>message/feedback-report</c>). Pure: a message in, a verdict out; anything it cannot
/// read is <see cref="ReportKind.Malformed"/>, never an exception.
/// </summary>
public static partial class ReportReader
{
    private const int MaxDetail = 500;

    public static ReadReport Read(MimeMessage message)
    {
        try
        {
            return ReadOrFail(message);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // MimeKit is lenient; whatever still throws is a report nobody can read, not a reason to stop the pass.
            return Malformed($"could not be read: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private static ReadReport ReadOrFail(MimeMessage message)
    {
        if (FindReport(message.Body) is not { } report)
            return Malformed($"not a delivery report or a complaint (a {message.Body?.ContentType.MimeType ?? "message without a body"})");
        var parts = Leaves(report).ToList();
        var returned = parts.FirstOrDefault(p => p is MessagePart || p.ContentType.IsMimeType("text", "rfc822-headers"));
        var original = returned is null ? null : ReturnedHeaders(returned);
        string? messageId = original?[HeaderId.MessageId] is { } id ? MimeUtils.EnumerateReferences(id).FirstOrDefault() : null;
        string? returnedTo = original?[HeaderId.To] is { } to && InternetAddressList.TryParse(to, out var list)
            ? list.Mailboxes.FirstOrDefault()?.Address : null;

        if (parts.OfType<MessageDeliveryStatus>().FirstOrDefault() is { } dsn)
            return ReadDeliveryStatus(dsn, messageId, message.Headers["X-Failed-Recipients"] ?? returnedTo);
        if (parts.OfType<MessageFeedbackReport>().FirstOrDefault() is { } arf)
            return ReadFeedback(arf, messageId, returnedTo);
        return Malformed($"a multipart/report (report-type={report.ReportType ?? "none"}) without a message/delivery-status or message/feedback-report part");
    }

    private static ReadReport ReadDeliveryStatus(MessageDeliveryStatus dsn, string? messageId, string? fallbackRecipient)
    {
        // The first group holds the per-message fields; each further group is one recipient.
        var recipients = dsn.StatusGroups.Skip(1).Select(group =>
        {
            string? diagnostic = OneLine(group["Diagnostic-Code"]);
            return new
            {
                Status = EnhancedStatus(group["Status"]) ?? StatusFromDiagnostic(diagnostic),
                Action = group["Action"]?.Trim().ToLowerInvariant(),
                Recipient = Address(group["Original-Recipient"]) ?? Address(group["Final-Recipient"]),
                Diagnostic = diagnostic,
            };
        }).Where(r => r.Status is not null).ToList();
        if (recipients.Count == 0)
            return Malformed("the delivery report gives no status for any recipient", messageId);
        // A report about several recipients is as bad as its worst one: ours carry one recipient each.
        var worst = recipients.OrderByDescending(r => Severity(r.Status!)).First();
        var kind = worst.Status![0] switch
        {
            '5' => ReportKind.Hard,
            '4' => ReportKind.Soft,
            _ => ReportKind.Other,
        };
        string detail = worst.Diagnostic ?? $"Action: {worst.Action ?? "none"}; Status: {worst.Status}";
        return new ReadReport(kind, worst.Status, worst.Recipient ?? Address(fallbackRecipient), messageId, Cut(detail));
    }

    private static ReadReport ReadFeedback(MessageFeedbackReport arf, string? messageId, string? returnedTo)
    {
        string? type = arf.Fields["Feedback-Type"]?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(type)) return Malformed("the feedback report has no Feedback-Type", messageId);
        string? from = OneLine(arf.Fields["User-Agent"]) ?? OneLine(arf.Fields["Reporting-MTA"]);
        // abuse and fraud are people saying "this is spam"; not-spam, virus, auth-failure and other ask nothing of a list.
        var kind = type is "abuse" or "fraud" ? ReportKind.Complaint : ReportKind.Other;
        string detail = $"{type} report" + (from is null ? "" : $" from {from}");
        return new ReadReport(kind, Cut(type), Address(arf.Fields["Original-Rcpt-To"]) ?? Address(returnedTo), messageId, Cut(detail));
    }

    private static ReadReport Malformed(string why, string? messageId = null) => new(ReportKind.Malformed, null, null, messageId, Cut(why));

    private static MultipartReport? FindReport(MimeEntity? entity) => entity switch
    {
        MultipartReport report => report,
        Multipart multipart => multipart.Select(FindReport).FirstOrDefault(r => r is not null),
        _ => null,
    };

    /// <summary>The parts of the report in order, multiparts opened (a Gmail-style human part is multipart/alternative).</summary>
    private static IEnumerable<MimeEntity> Leaves(MimeEntity entity) =>
        entity is Multipart multipart ? multipart.SelectMany(Leaves) : [entity];

    private static HeaderList? ReturnedHeaders(MimeEntity returned)
    {
        if (returned is MessagePart { Message: { } message }) return message.Headers;
        if (returned is MimePart { Content: { } content })
        {
            using var stream = content.Open();
            return HeaderList.Load(stream);
        }
        return null;
    }

    /// <summary>The address in a DSN address field (<c>rfc822; someone@example.org</c>), or a bare one.</summary>
    private static string? Address(string? field)
    {
        if (string.IsNullOrWhiteSpace(field)) return null;
        string value = field[(field.IndexOf(';') + 1)..].Trim().Trim('<', '>').Trim();
        int comma = value.IndexOf(',');
        if (comma >= 0) value = value[..comma].Trim(); // X-Failed-Recipients may list several
        return value.Contains('@') && !value.Any(char.IsWhiteSpace) ? value : null;
    }

    /// <summary>The Status field's code; it may be followed by a comment (<c>5.1.1 (bad destination mailbox address)</c>).</summary>
    private static string? EnhancedStatus(string? field) =>
        field is not null && EnhancedCode().Match(field.TrimStart()) is { Success: true, Index: 0 } m ? m.Value : null;

    /// <summary>A status from the diagnostic when the Status field is missing or broken: its enhanced code, else its reply code.</summary>
    private static string? StatusFromDiagnostic(string? diagnostic)
    {
        if (diagnostic is null) return null;
        if (EnhancedCode().Match(diagnostic) is { Success: true } enhanced) return enhanced.Value;
        return ReplyCode().Match(diagnostic) is { Success: true } reply ? $"{reply.Groups[1].Value}.0.0" : null;
    }

    private static int Severity(string status) => status[0] switch { '5' => 3, '4' => 2, _ => 1 };

    private static string? OneLine(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : Whitespace().Replace(text, " ").Trim();

    private static string Cut(string text) => text.Length <= MaxDetail ? text : text[..MaxDetail] + "…";

    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex EnhancedCode();

    [GeneratedRegex(@"^(?:\s*[A-Za-z-]+\s*;)?\s*([245])\d\d\b")]
    private static partial Regex ReplyCode();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
