using MimeKit;

namespace Publisher.Subscribers;

/// <summary>
/// Email addresses as the lists store them: parsed by MimeKit, one plain address (no display name,
/// no group), a domain with a dot, the domain lower-cased. The local part keeps its case (RFC 5321 lets
/// a server tell <c>Li@x</c> from <c>li@x</c>), so uniqueness is on local part + lower-case domain.
/// </summary>
public static class EmailAddress
{
    public const int MaxLength = 254;

    public static bool TryNormalize(string? input, out string normalized, out string? error)
    {
        normalized = "";
        string candidate = (input ?? "").Trim();
        if (candidate.Length == 0) { error = "an email address is required"; return false; }
        if (candidate.Length > MaxLength) { error = $"the address is longer than {MaxLength} characters"; return false; }
        if (candidate.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) || candidate.Contains('<') || candidate.Contains(','))
        {
            error = $"'{Printable(candidate)}' is not a plain email address";
            return false;
        }
        if (!MailboxAddress.TryParse(ParserOptions.Default, candidate, out var mailbox) || mailbox.Address != candidate)
        {
            error = $"'{Printable(candidate)}' is not a valid email address";
            return false;
        }
        int at = candidate.LastIndexOf('@');
        if (at <= 0 || at == candidate.Length - 1) { error = $"'{Printable(candidate)}' has no domain"; return false; }
        string domain = candidate[(at + 1)..].ToLowerInvariant();
        if (!domain.Contains('.') || domain.StartsWith('.') || domain.EndsWith('.') || domain.Contains(".."))
        {
            error = $"'{Printable(candidate)}' needs a domain with a dot";
            return false;
        }
        normalized = candidate[..at] + "@" + domain;
        error = null;
        return true;
    }

    /// <summary>What makes two addresses the same subscriber. Strictly the local part may be case-sensitive;
    /// in practice no mail system treats it so, and one person getting two digests is the worse failure.</summary>
    public static string Key(string normalized) => normalized.ToLowerInvariant();

    private static string Printable(string s) => new(s.Select(c => char.IsControl(c) ? '?' : c).Take(80).ToArray());
}

/// <summary>Names may hold any Unicode but never line breaks or control characters (they would end up in mail headers).</summary>
public static class SubscriberName
{
    public const int MaxLength = 200;

    public static bool TryNormalize(string? input, out string? normalized, out string? error)
    {
        normalized = null;
        error = null;
        if (input is null) return true;
        if (input.Any(c => c is '\r' or '\n' or '\u0085' or '\u2028' or '\u2029')) { error = "the name contains a line break"; return false; }
        if (input.Any(char.IsControl)) { error = "the name contains control characters"; return false; }
        string trimmed = input.Trim();
        if (trimmed.Length > MaxLength) { error = $"the name is longer than {MaxLength} characters"; return false; }
        normalized = trimmed.Length == 0 ? null : trimmed;
        return true;
    }
}
