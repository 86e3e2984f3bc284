using System.Globalization;

namespace Publisher.Admin.Console;

/// <summary>What every console page needs to speak: the site's title and language (Chinese for zh-*, else English), and a note to show once.</summary>
public sealed record ConsoleUi(string SiteTitle, string Language, bool Chinese, string? Note = null)
{
    public static ConsoleUi For(SiteOptions site, string? note = null) => new(site.Title, site.IsChinese ? site.Language : "en", site.IsChinese, note);

    /// <summary>The English or the Chinese words.</summary>
    public string T(string english, string chinese) => Chinese ? chinese : english;

    public string Number(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A time in <paramref name="zone"/>, as a person reads it: "Thu 4 Dec 2026 08:00" or "2026年12月4日 周四 08:00".</summary>
    public string When(DateTime utc, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);
        return Chinese
            ? local.ToString("yyyy年M月d日 ", CultureInfo.InvariantCulture) + "周" + "日一二三四五六"[(int)local.DayOfWeek] + local.ToString(" HH:mm", CultureInfo.InvariantCulture)
            : local.ToString("ddd d MMM yyyy HH:mm", CultureInfo.InvariantCulture);
    }

    /// <summary>A UTC time in the server's words: "2026-12-04 08:00 UTC".</summary>
    public static string Utc(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";
}

/// <summary>The console's addresses.</summary>
public static class ConsoleRoutes
{
    public const string Home = "/admin";
    public const string SignIn = "/admin/signin";
    public const string SignOut = "/admin/signout";
    public const string NewList = "/admin/lists/new";
    public const string Articles = "/admin/articles";

    public static string List(string name) => $"/admin/lists/{Uri.EscapeDataString(name)}";
    public static string Edit(string name) => List(name) + "/edit";
    public static string Delete(string name) => List(name) + "/delete";
    public static string Members(string name) => List(name) + "/members";
    public static string Import(string name) => List(name) + "/import";
    public static string ImportRun(string name, string id) => List(name) + "/imports/" + id;
    public static string Export(string name) => List(name) + "/export.csv";
    public static string Digests(string name) => List(name) + "/digests";
    public static string SendNow(string name) => List(name) + "/digests/send";
    public static string Resend(string name, long deliveryId) => List(name) + $"/deliveries/{deliveryId}/resend";

    /// <summary>Only a path inside the console is a place to go back to after signing in (no open redirect).</summary>
    public static string SafeNext(string? next) =>
        next is not null && next.StartsWith("/admin", StringComparison.Ordinal) && !next.StartsWith("//", StringComparison.Ordinal) && !next.Contains('\\')
            && (next.Length == 6 || next[6] is '/' or '?') ? next : Home;
}
