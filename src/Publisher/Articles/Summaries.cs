using System.Globalization;
using System.Text;

namespace Publisher.Articles;

/// <summary>
/// Summaries are cut by characters (text elements, so a surrogate pair or a combining sequence is
/// never split), at the sentence end nearest the target length when one is near enough.
/// </summary>
public static class Summaries
{
    public const int TargetLength = 120;
    private const int Slack = 40;
    private static readonly string SentenceEnds = "。！？!?";
    private static readonly string Closers = "”’」』）)】";

    public static string Cut(string bodyText, int target = TargetLength)
    {
        string text = string.Join(' ', bodyText.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        var elements = new List<string>();
        var e = StringInfo.GetTextElementEnumerator(text);
        while (e.MoveNext()) elements.Add((string)e.Current);
        if (elements.Count <= target) return text;

        // The last sentence end at or before the target, else the first one shortly after it.
        int best = -1;
        for (int i = Math.Max(0, target - Slack); i < Math.Min(elements.Count, target + Slack); i++)
        {
            if (elements[i].Length != 1 || !SentenceEnds.Contains(elements[i][0])) continue;
            int end = i + 1;
            while (end < elements.Count && elements[end].Length == 1 && Closers.Contains(elements[end][0])) end++;
            if (end <= target || best < 0) best = end;
            if (end > target) break;
        }
        var sb = new StringBuilder();
        int count = best > 0 ? best : target;
        for (int i = 0; i < count; i++) sb.Append(elements[i]);
        if (best <= 0) sb.Append('…');
        return sb.ToString().Trim();
    }
}
