using System.Globalization;
using System.Text.RegularExpressions;
using Publisher.Tests.Support;
using Xunit.Abstractions;

namespace Publisher.Tests.Email;

/// <summary>SpamAssassin (Debian's, local tests only: no DNS, no network) on the bytes the SMTP server received.</summary>
[Collection(nameof(SampleMailsCollection))]
public sealed class SpamScoreTests(SampleMails mails, ITestOutputHelper output)
{
    [Theory]
    [InlineData("digest")]
    [InlineData("confirmation")]
    public async Task SpamAssassinScoresTheMailAtZeroOrBelow(string which)
    {
        byte[] bytes = which == "digest" ? mails.Digest : mails.Confirmation;
        string file = Path.Combine(mails.Root, which + ".eml");
        await File.WriteAllBytesAsync(file, bytes);

        // -L: local tests only; -t: the report is added to the message; no Bayes database, so a run learns nothing.
        var (code, stdout, stderr) = await ExternalTool.RunAsync("/usr/bin/spamassassin", "-L", "-t", "--cf=use_bayes 0", file);

        Assert.True(code == 0, stderr);
        var status = Regex.Match(stdout, @"^X-Spam-Status: (Yes|No), score=(-?[0-9.]+)", RegexOptions.Multiline);
        Assert.True(status.Success, stdout);
        double score = double.Parse(status.Groups[2].Value, CultureInfo.InvariantCulture);
        int details = stdout.IndexOf("Content analysis details", StringComparison.Ordinal);
        string report = details < 0 ? stdout : stdout[details..];
        output.WriteLine($"{which}: score {score}");
        output.WriteLine(report);
        Assert.True(score <= 0, $"SpamAssassin scores the {which} {score}:\n{report}");
    }
}
