namespace Publisher.Subscribers;

/// <summary>
/// Email addresses as the lists store them, by one rule: what a real MTA delivers to, written one way.
/// <list type="bullet">
/// <item>The whole address is NFKC-normalised first, so full-width forms (<c>ａ@ｂ.com</c>, common from Chinese input
/// methods) are the ASCII address they look like.</item>
/// <item>Local part: a dot-atom (RFC 5321/5322 <c>atext</c>, plus non-ASCII letters for SMTPUTF8), at most 64 octets;
/// no quoted strings, no comments. It keeps its case.</item>
/// <item>Domain: a host name, not an address literal (<c>[127.0.0.1]</c> is refused), at least two labels, each a
/// letter-digit-hyphen label not starting or ending with a hyphen (IDNA's STD3 rules), the top level not all digits.
/// Internationalised domains are stored as their ASCII form (<c>xn--bcher-kva.ch</c>), whichever way they were typed.</item>
/// <item>No label (nor the local part) mixes Latin letters with Cyrillic or Greek ones: such look-alikes of another
/// address are refused rather than made a member of their own.</item>
/// </list>
/// Uniqueness is on the lower-cased address (<see cref="Key"/>).
/// </summary>
public static class EmailAddress
{
    public const int MaxLength = 254;
    private static readonly System.Globalization.IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    public static bool TryNormalize(string? input, out string normalized, out string? error)
    {
        normalized = "";
        string candidate = (input ?? "").Trim();
        if (candidate.Length == 0) { error = "an email address is required"; return false; }
        if (candidate.Length > MaxLength * 4) { error = $"the address is longer than {MaxLength} characters"; return false; }
        try { candidate = candidate.Normalize(System.Text.NormalizationForm.FormKC); }
        catch (ArgumentException) { error = "the address is not valid text (a lone surrogate)"; return false; }
        string shown = Printable(candidate);
        if (candidate.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            error = $"'{shown}' is not a plain email address";
            return false;
        }
        int at = candidate.LastIndexOf('@');
        if (at <= 0 || at == candidate.Length - 1) { error = $"'{shown}' has no domain (an address is local-part@domain)"; return false; }
        string local = candidate[..at], domain = candidate[(at + 1)..];
        if (!IsDotAtom(local)) { error = $"'{shown}' is not a valid email address: the part before @ is not a plain mailbox name"; return false; }
        if (System.Text.Encoding.UTF8.GetByteCount(local) > 64) { error = $"'{shown}' has a part before @ longer than 64 octets"; return false; }
        if (domain.StartsWith('[')) { error = $"'{shown}' has an address literal for a domain; use a host name"; return false; }
        string ascii;
        try { ascii = Idn.GetAscii(domain.TrimEnd('.')).ToLowerInvariant(); }
        catch (ArgumentException) { error = $"'{shown}' does not have a valid domain name"; return false; }
        var labels = ascii.Split('.');
        if (labels.Length < 2 || labels[^1].All(char.IsAsciiDigit) || domain.EndsWith('.'))
        {
            error = $"'{shown}' needs a domain with a dot (example.org)";
            return false;
        }
        if (MixesScripts(local) || Idn.GetUnicode(ascii).Split('.').Any(MixesScripts))
        {
            error = $"'{shown}' mixes Latin with Cyrillic or Greek letters (a look-alike of another address)";
            return false;
        }
        normalized = local + "@" + ascii;
        if (normalized.Length > MaxLength) { error = $"the address is longer than {MaxLength} characters"; return false; }
        error = null;
        return true;
    }

    /// <summary>What makes two addresses the same subscriber. Strictly the local part may be case-sensitive;
    /// in practice no mail system treats it so, and one person getting two digests is the worse failure.</summary>
    public static string Key(string normalized) => normalized.ToLowerInvariant();

    private static bool IsDotAtom(string local)
    {
        if (local.Length == 0 || local.StartsWith('.') || local.EndsWith('.') || local.Contains("..")) return false;
        foreach (var rune in local.EnumerateRunes())
        {
            if (rune.Value < 0x80 ? !(char.IsAsciiLetterOrDigit((char)rune.Value) || "!#$%&'*+-/=?^_`{|}~.".Contains((char)rune.Value))
                : !(System.Text.Rune.IsLetterOrDigit(rune) || System.Text.Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.NonSpacingMark
                    or System.Globalization.UnicodeCategory.SpacingCombiningMark))
                return false;
        }
        return true;
    }

    private static bool MixesScripts(string label)
    {
        bool latin = false, other = false;
        foreach (char c in label)
        {
            if (char.IsAsciiLetter(c) || c is >= '\u00C0' and <= '\u024F') latin = true;
            else if (c is >= '\u0370' and <= '\u03FF' or >= '\u0400' and <= '\u052F') other = true;
        }
        return latin && other;
    }

    private static string Printable(string s) => new(s.Select(c => char.IsControl(c) ? '?' : c).Take(80).ToArray());
}

/// <summary>Names may hold any Unicode but never line breaks, control characters or MIME encoded words (they would end up in mail headers).</summary>
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
        // "=?utf-8?b?…?=" is how a header carries encoded text: a mail client would decode it, line breaks and all.
        if (trimmed.Contains("=?", StringComparison.Ordinal) && trimmed.Contains("?=", StringComparison.Ordinal))
        {
            error = "the name contains MIME encoded-word syntax (=?…?=)";
            return false;
        }
        if (trimmed.Length > MaxLength) { error = $"the name is longer than {MaxLength} characters"; return false; }
        normalized = trimmed.Length == 0 ? null : trimmed;
        return true;
    }
}
