using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Publisher.Subscribers;
using Publisher.Tests.Support;

namespace Publisher.Tests.Subscribers;

[Trait("Db", "Both")]
public sealed class SubscriberRulesTests
{
    [Theory]
    [InlineData("Li.Lei@Example.COM", "Li.Lei@example.com")]
    [InlineData("  zhang@sub.example.cn ", "zhang@sub.example.cn")]
    [InlineData("a+tag@x.org", "a+tag@x.org")]
    [InlineData("a@xn--bcher-kva.ch", "a@xn--bcher-kva.ch")] // an IDN as typed in ASCII
    [InlineData("a@Bücher.ch", "a@xn--bcher-kva.ch")] // the same domain typed in Unicode: the same member
    [InlineData("ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ", "li@example.com")] // full-width, as Chinese input methods type it
    [InlineData("=1+2@b.com", "=1+2@b.com")]
    [InlineData("用户@例子.中国", "用户@xn--fsqu00a.xn--fiqs8s")] // SMTPUTF8 local part, IDN domain
    public void AddressesAreValidatedAndTheirDomainLowerCased(string input, string expected)
    {
        Assert.True(EmailAddress.TryNormalize(input, out var normalized, out var error), error);
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("")]
    [InlineData("nope")]
    [InlineData("a@localhost")]
    [InlineData("a@b@c.com")]
    [InlineData("Zhang <zhang@example.org>")]
    [InlineData("a@x.org\r\nBcc: victim@y.org")]
    [InlineData("a@x.org, b@y.org")]
    [InlineData("a@.org")]
    [InlineData("x@[127.0.0.1]")] // an address literal: mail to an IP the form's user chose
    [InlineData("a@-b.c")] // a label may not start with a hyphen
    [InlineData("a@b-.com")]
    [InlineData("a@1.2.3.4")] // a top level of digits is an IP address
    [InlineData("\"a b\"@x.org")] // quoted local parts are not taken
    [InlineData("a..b@x.org")]
    [InlineData("pаypal@example.com")] // a Cyrillic а among Latin letters
    [InlineData("a@pаypal.com")]
    public void AnythingButOnePlainAddressWithADottedDomainIsRefused(string input) =>
        Assert.False(EmailAddress.TryNormalize(input, out _, out _));

    [Fact]
    public void OverlongAddressesAreRefused() =>
        Assert.False(EmailAddress.TryNormalize(new string('a', 250) + "@x.org", out _, out _));

    [Theory]
    [InlineData("李雷", "李雷")]
    [InlineData("  Émile 𠀀 ", "Émile 𠀀")]
    [InlineData("   ", null)]
    public void NamesKeepAnyUnicode(string input, string? expected)
    {
        Assert.True(SubscriberName.TryNormalize(input, out var name, out _));
        Assert.Equal(expected, name);
    }

    [Theory]
    [InlineData("a\r\nBcc: x@y")]
    [InlineData("a\nb")]
    [InlineData("a\u2028b")]
    [InlineData("a\u0007b")]
    [InlineData("=?utf-8?b?Qm9iDQpCY2M6IGV2aWxAYXR0YWNrZXIuY29t?=")] // decodes to "Bob\r\nBcc: evil@attacker.com" in a client
    public void NamesWithLineBreaksControlCharactersOrEncodedWordsAreRefused(string input) =>
        Assert.False(SubscriberName.TryNormalize(input, out _, out _));

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static SubscriberTokens Tokens(TimeProvider clock, string secret = "a-test-secret-of-some-length")
    {
        var options = Options.Create(new PublisherOptions { Secret = secret });
        return new(options, new Publisher.Data.SharedSecrets(null!, options), clock, NullLogger<SubscriberTokens>.Instance);
    }

    [Fact]
    public void TokensRoundTripAndWorkOnlyForTheirPurpose()
    {
        var tokens = Tokens(TimeProvider.System);
        string confirm = tokens.Create(TokenPurpose.Confirm, 42);
        Assert.True(tokens.TryRead(confirm, TokenPurpose.Confirm, out int id));
        Assert.Equal(42, id);
        Assert.False(tokens.TryRead(confirm, TokenPurpose.Unsubscribe, out _));
        Assert.DoesNotMatch("[^A-Za-z0-9_-]", confirm);
    }

    [Fact]
    public void EveryAlteredCharacterBreaksTheToken()
    {
        var tokens = Tokens(TimeProvider.System);
        string token = tokens.Create(TokenPurpose.Unsubscribe, 7);
        for (int i = 0; i < token.Length; i++)
        {
            char replacement = token[i] == 'A' ? 'B' : 'A';
            string tampered = token[..i] + replacement + token[(i + 1)..];
            Assert.False(tokens.TryRead(tampered, TokenPurpose.Unsubscribe, out _), $"tampered at {i}: {tampered}");
        }
        Assert.False(tokens.TryRead(token + "A", TokenPurpose.Unsubscribe, out _));
        Assert.False(tokens.TryRead("not-a-token-at-all-really", TokenPurpose.Unsubscribe, out _));
        Assert.False(Tokens(TimeProvider.System, "another-secret-entirely").TryRead(token, TokenPurpose.Unsubscribe, out _));
    }

    [Fact]
    public void ConfirmTokensExpireAfterSevenDaysAndUnsubscribeTokensNever()
    {
        var clock = new Clock(DateTimeOffset.UtcNow);
        var tokens = Tokens(clock);
        string confirm = tokens.Create(TokenPurpose.Confirm, 1);
        string unsubscribe = tokens.Create(TokenPurpose.Unsubscribe, 1);
        clock.Now += TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1);
        Assert.True(tokens.TryRead(confirm, TokenPurpose.Confirm, out _));
        clock.Now += TimeSpan.FromMinutes(2);
        Assert.False(tokens.TryRead(confirm, TokenPurpose.Confirm, out _));
        clock.Now += TimeSpan.FromDays(3650);
        Assert.True(tokens.TryRead(unsubscribe, TokenPurpose.Unsubscribe, out _));
    }

    [Fact]
    public void ManageTokensExpireAfterNinetyDaysAndWorkForNoOtherPurpose()
    {
        var clock = new Clock(DateTimeOffset.UtcNow);
        var tokens = Tokens(clock);
        string manage = tokens.Create(TokenPurpose.Manage, 5);
        Assert.True(tokens.TryRead(manage, TokenPurpose.Manage, out int id));
        Assert.Equal(5, id);
        Assert.False(tokens.TryRead(manage, TokenPurpose.Unsubscribe, out _));
        Assert.False(tokens.TryRead(manage, TokenPurpose.Confirm, out _));
        Assert.False(tokens.TryRead(tokens.Create(TokenPurpose.Unsubscribe, 5), TokenPurpose.Manage, out _));
        Assert.False(tokens.TryRead(tokens.Create(TokenPurpose.Confirm, 5), TokenPurpose.Manage, out _));
        clock.Now += TimeSpan.FromDays(90) - TimeSpan.FromMinutes(1);
        Assert.True(tokens.TryRead(manage, TokenPurpose.Manage, out _));
        clock.Now += TimeSpan.FromMinutes(2);
        Assert.False(tokens.TryRead(manage, TokenPurpose.Manage, out _));
    }

    [Fact]
    public void TheSecretIsGeneratedOnceIntoAFileOnlyItsOwnerCanRead()
    {
        using var site = new TempSite();
        var options = Options.Create(new PublisherOptions { DataPath = site.DataPath });
        string token = new SubscriberTokens(options, new Publisher.Data.SharedSecrets(null!, options), TimeProvider.System, NullLogger<SubscriberTokens>.Instance).Create(TokenPurpose.Unsubscribe, 3);
        string file = Path.Combine(site.DataPath, "secret.key");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        // A second start reads the same secret: links already mailed keep working.
        Assert.True(new SubscriberTokens(options, new Publisher.Data.SharedSecrets(null!, options), TimeProvider.System, NullLogger<SubscriberTokens>.Instance).TryRead(token, TokenPurpose.Unsubscribe, out int id));
        Assert.Equal(3, id);
    }
}
