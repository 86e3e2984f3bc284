using System.Globalization;

namespace Publisher.Feeds;

/// <summary>Picks the representation a request's Accept-Encoding asks for: Brotli, gzip or the bytes as they are.</summary>
public static class FeedEncodings
{
    public static FeedRepresentation Choose(FeedDocument doc, string? acceptEncoding)
    {
        if (string.IsNullOrEmpty(acceptEncoding)) return doc.Identity;
        double br = -1, gzip = -1, any = -1;
        foreach (var range in acceptEncoding.AsSpan().Split(','))
        {
            var part = acceptEncoding.AsSpan()[range].Trim();
            int semi = part.IndexOf(';');
            var coding = (semi < 0 ? part : part[..semi]).Trim();
            double q = semi < 0 ? 1 : Quality(part[(semi + 1)..]);
            if (coding.Equals("br", StringComparison.OrdinalIgnoreCase)) br = q;
            else if (coding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || coding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase)) gzip = q;
            else if (coding.SequenceEqual("*")) any = q;
        }
        if (br < 0) br = any;
        if (gzip < 0) gzip = any;
        if (br > 0 && br >= gzip) return doc.Brotli;
        if (gzip > 0) return doc.Gzip;
        return doc.Identity;
    }

    private static double Quality(ReadOnlySpan<char> parameters)
    {
        var p = parameters.Trim();
        if (!p.StartsWith("q=", StringComparison.OrdinalIgnoreCase)) return 1;
        return double.TryParse(p[2..], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double q) ? Math.Clamp(q, 0, 1) : 0;
    }
}
