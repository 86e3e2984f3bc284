using System.Globalization;
using System.Text;

namespace Publisher.Articles;

/// <summary>
/// URL slugs: lower-case letters (any script, so Chinese categories stay readable), digits, '-' and '_'.
/// Everything else becomes a single '-'.
/// </summary>
public static class Slugs
{
    public const int MaxLength = 80;

    public static string From(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var rune in text.Normalize(NormalizationForm.FormKC).EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsLetterOrDigit(rune) || category is UnicodeCategory.NonSpacingMark) sb.Append(Rune.ToLowerInvariant(rune).ToString());
            else if (rune.Value == '_') sb.Append('_');
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
            if (sb.Length >= MaxLength) break;
        }
        return sb.ToString().Trim('-');
    }
}
