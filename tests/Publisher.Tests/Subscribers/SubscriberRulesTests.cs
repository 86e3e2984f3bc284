using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Publisher.Subscribers;
using Publisher.Tests.Support;

namespace Publisher.Tests.Subscribers;

public sealed class SubscriberRulesTests
{
    [Theory]
    [InlineData("Li.Lei@Example.COM", "Li.Lei@example.com")]
    [InlineData("  zhang@sub.example.cn ", "zhang@sub.example.cn")]
    [InlineData("a+tag@x.org", "a+tag@x.org")]
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
    public void NamesWithLineBreaksOrControlCharactersAreRefused(string input) =>
        Assert.False(SubscriberName.TryNormalize(input, out _, out _));

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static SubscriberTokens Tokens(TimeProvider clock, string secret = "a-test-secret-of-some-length") =>
        new(Options.Create(new PublisherOptions { Secret = secret }), clock, NullLogger<SubscriberTokens>.Instance);

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
    public void TheSecretIsGeneratedOnceIntoAFileOnlyItsOwnerCanRead()
    {
        using var site = new TempSite();
        var options = Options.Create(new PublisherOptions { DataPath = site.DataPath });
        string token = new SubscriberTokens(options, TimeProvider.System, NullLogger<SubscriberTokens>.Instance).Create(TokenPurpose.Unsubscribe, 3);
        string file = Path.Combine(site.DataPath, "secret.key");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        // A second start reads the same secret: links already mailed keep working.
        Assert.True(new SubscriberTokens(options, TimeProvider.System, NullLogger<SubscriberTokens>.Instance).TryRead(token, TokenPurpose.Unsubscribe, out int id));
        Assert.Equal(3, id);
    }
}
