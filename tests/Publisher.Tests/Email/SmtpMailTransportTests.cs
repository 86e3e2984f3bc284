using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using Publisher.Email;
using Publisher.Tests.Support;
using SmtpServer.Protocol;

namespace Publisher.Tests.Email;

/// <summary>The SMTP transport against real SMTP servers on loopback.</summary>
public sealed class SmtpMailTransportTests
{
    private static SmtpMailTransport Transport(int port, int maxConnections = 2, double perSecond = 0, int timeoutSeconds = 5, int attempts = 4,
        TimeSpan? idleCheckAfter = null) =>
        new(Options.Create(new PublisherOptions
        {
            Smtp = new SmtpOptions
            {
                Host = "127.0.0.1", Port = port, Security = SmtpSecurity.None, MaxConnections = maxConnections,
                MaxMessagesPerSecond = perSecond, RetryDelayMilliseconds = 20, TimeoutSeconds = timeoutSeconds, MaxAttempts = attempts,
            },
        }), NullLogger<SmtpMailTransport>.Instance) { IdleCheckAfter = idleCheckAfter ?? TimeSpan.FromSeconds(30) };

    private static MimeMessage Message(int n, int bodyBytes = 2000)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("Publisher <publisher@example.org>"));
        message.To.Add(new MailboxAddress("收件人", $"reader{n}@example.org"));
        message.Subject = $"第{n}封";
        message.MessageId = $"test-{n}@example.org";
        message.Body = new TextPart("plain") { Text = new string('字', bodyBytes / 3) };
        return message;
    }

    [Fact]
    public async Task MessagesReuseOneConnectionWhenSentOneAfterAnother()
    {
        await using var server = new TestSmtpServer();
        await using var transport = Transport(server.Port);
        for (int i = 1; i <= 10; i++) await transport.SendAsync(Message(i));
        Assert.Equal(10, server.Received.Count);
        Assert.Equal(1, server.Sessions);
        Assert.Equal("第3封", server.Received.Single(m => m.MessageId == "test-3@example.org").Subject);
    }

    [Theory]
    [InlineData(null, "news.example.cn")]
    [InlineData("mail-out.example.cn", "mail-out.example.cn")]
    public async Task TheClientGreetsWithTheHeloNameOrElseTheSitesHost(string? heloName, string expected)
    {
        await using var server = new ScriptedSmtpServer();
        await using var transport = new SmtpMailTransport(Options.Create(new PublisherOptions
        {
            Site = new SiteOptions { BaseUrl = "https://news.example.cn/" },
            Smtp = new SmtpOptions { Host = "127.0.0.1", Port = server.Port, Security = SmtpSecurity.None, HeloName = heloName },
        }), NullLogger<SmtpMailTransport>.Instance);
        await transport.SendAsync(Message(1));
        Assert.Equal(expected, Assert.Single(server.Greetings));
    }

    [Fact]
    public async Task ConcurrentSendsNeverOpenMoreThanMaxConnections()
    {
        await using var server = new TestSmtpServer();
        await using var transport = Transport(server.Port, maxConnections: 3);
        await Task.WhenAll(Enumerable.Range(1, 40).Select(i => transport.SendAsync(Message(i))));
        Assert.Equal(40, server.Received.Count);
        Assert.Equal(40, server.Received.Select(m => m.MessageId).Distinct().Count());
        Assert.InRange(server.Sessions, 1, 3);
    }

    [Fact]
    public async Task A550IsPermanentWithTheServersReplyAndIsNotRetried()
    {
        await using var server = new TestSmtpServer { Reply = _ => new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "no such user here") };
        await using var transport = Transport(server.Port);
        var failure = await Assert.ThrowsAsync<MailDeliveryException>(() => transport.SendAsync(Message(1)));
        Assert.Equal(MailFailure.Permanent, failure.Failure);
        Assert.StartsWith("550", failure.Reply);
        Assert.Contains("no such user here", failure.Reply);
        Assert.Empty(server.Received);

        // The connection survives a refusal and is used for the next message.
        server.Reply = _ => null;
        await transport.SendAsync(Message(2));
        Assert.Single(server.Received);
        Assert.Equal(1, server.Sessions);
    }

    [Fact]
    public async Task A421ClosingTheConnectionIsTriedAgainAtOnceOnANewConnection()
    {
        await using var server = new TestSmtpServer { Reply = n => n <= 2 ? new SmtpResponse((SmtpReplyCode)421, "closing, try again later") : null };
        await using var transport = Transport(server.Port);
        await transport.SendAsync(Message(1));
        Assert.Single(server.Received);
    }

    [Fact]
    public async Task A451ForTheMessageIsDeferredToTheLedgerWithoutAWaitHere()
    {
        // Greylisting lifts after minutes, not the seconds a worker could wait: the ledger schedules the next try.
        await using var server = new FaultySmtpServer { Greylist = TimeSpan.FromMinutes(5) };
        await using var transport = Transport(server.Port, attempts: 4);
        var failure = await Assert.ThrowsAsync<MailDeliveryException>(() => transport.SendAsync(Message(1)));
        Assert.Equal(MailFailure.Deferred, failure.Failure);
        Assert.StartsWith("451", failure.Reply);
        Assert.Equal(1, server.GreylistRefusals);
        Assert.False(failure.RecipientRefused);
    }

    [Fact]
    public async Task A421ThatNeverEndsMakesTheServerUnavailableAfterTheLastQuickTry()
    {
        await using var server = new FaultySmtpServer { OutageKind = SmtpOutage.Greet421, Outage = true };
        await using var transport = Transport(server.Port, attempts: 3);
        var failure = await Assert.ThrowsAsync<MailDeliveryException>(() => transport.SendAsync(Message(1)));
        Assert.Equal(MailFailure.Unavailable, failure.Failure);
        Assert.Contains("421", failure.Reply);
        Assert.Equal(3, server.OutageRefusals);
    }

    [Fact]
    public async Task StoppingAfterTheWholeMessageWentOutWaitsForTheServersReply()
    {
        // The server holds its reply for a second; the stop comes while it does. Abandoning the send now would leave a
        // message the server has, recorded as not sent, and sent again after the restart.
        await using var server = new FaultySmtpServer { ReplyDelay = TimeSpan.FromSeconds(1) };
        await using var transport = Transport(server.Port);
        using var stop = new CancellationTokenSource();
        var sending = transport.SendAsync(Message(1), stop.Token);
        await Eventually.HoldsAsync(() => Task.FromResult(server.BodiesReceived == 1), TimeSpan.FromSeconds(5), "the body is in");
        stop.Cancel();
        string reply = await sending;
        Assert.StartsWith("2.0.0", reply);
        Assert.Single(server.Delivered);
    }

    [Fact]
    public async Task StoppingBeforeTheMessageWentOutCancelsAtOnceAndTheServerKeepsNothing()
    {
        await using var server = new FaultySmtpServer { StallRate = 1, StallFor = TimeSpan.FromSeconds(30) };
        await using var transport = Transport(server.Port, timeoutSeconds: 30);
        using var stop = new CancellationTokenSource();
        var sending = transport.SendAsync(Message(1), stop.Token);
        await Eventually.HoldsAsync(() => Task.FromResult(server.StallsInjected == 1), TimeSpan.FromSeconds(5), "the server stalls");
        var clock = Stopwatch.StartNew();
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the stop took {clock.Elapsed}");
        Assert.Empty(server.Delivered);
    }

    [Fact]
    public async Task AConnectionDroppedMidDataIsRetriedOnANewConnection()
    {
        await using var server = new ScriptedSmtpServer { Script = n => n == 1 ? DataBehaviour.DropMidData : DataBehaviour.Accept };
        await using var transport = Transport(server.Port);
        // Bigger than the socket buffers, so the drop reaches the client while it is still writing the body.
        await transport.SendAsync(Message(1, bodyBytes: 24 * 1024 * 1024));
        Assert.Equal(1, server.Accepted);
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task WithAHandOverCheckAConnectionThatBreaksMidDataIsReportedAtOnceNotRetriedHere()
    {
        // The caller's record says "being handed over" from the check on; it must hear at once that nothing went out,
        // not wait through reconnects in that state.
        await using var server = new ScriptedSmtpServer { Script = n => n == 1 ? DataBehaviour.DropMidData : DataBehaviour.Accept };
        await using var transport = Transport(server.Port);
        var failure = await Assert.ThrowsAsync<MailDeliveryException>(() =>
            transport.SendAsync(Message(1, bodyBytes: 24 * 1024 * 1024), default, () => Task.FromResult(true)));
        Assert.Equal(MailFailure.Interrupted, failure.Failure);
        Assert.Equal(0, server.Accepted);
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task ASenderRefusedForGoodIsTheServerBeingUnavailableNotThisMessagesFault()
    {
        // 530 to MAIL FROM: no message of ours will go until the login is fixed. Failing each row as Permanent would
        // burn the whole list; Unavailable pauses the digest instead.
        await using var server = new FaultySmtpServer { SenderRefusal = "530 5.7.0 Authentication required" };
        await using var transport = Transport(server.Port);
        var failure = await Assert.ThrowsAsync<MailDeliveryException>(() => transport.SendAsync(Message(1), default, () => Task.FromResult(true)));
        Assert.True(failure.Failure == MailFailure.Unavailable, $"{failure.Failure}: {failure.Reply}");
        Assert.Contains("Authentication required", failure.Reply);
        Assert.Empty(server.Delivered);
    }

    [Fact]
    public async Task SilenceAfterTheWholeMessageWentOutIsUnknownAndNotResent()
    {
        await using var server = new ScriptedSmtpServer { Script = _ => DataBehaviour.NeverReply };
        await using var transport = Transport(server.Port, timeoutSeconds: 2);
        var failure = await Assert.ThrowsAsync<MailDeliveryException>(() => transport.SendAsync(Message(1)));
        Assert.Equal(MailFailure.Unknown, failure.Failure);
        Assert.Equal(1, server.BodiesReceivedWhole);
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task AStopWhileWaitingForAReplyThatNeverComesIsUnknownNotAStopBeforeTheMessageWentOut()
    {
        // The stop comes after the whole message went out, then the client's own timeout ends the wait: the server may
        // have the message, so the caller must hear Unknown (never resent), not "stopped before it went out" (released).
        await using var server = new ScriptedSmtpServer { Script = _ => DataBehaviour.NeverReply };
        await using var transport = Transport(server.Port, timeoutSeconds: 2);
        using var stop = new CancellationTokenSource();
        var sending = transport.SendAsync(Message(1), stop.Token);
        await Eventually.HoldsAsync(() => Task.FromResult(server.BodiesReceivedWhole == 1), TimeSpan.FromSeconds(5), "the body is in");
        stop.Cancel();
        var failure = await Assert.ThrowsAsync<MailDeliveryException>(() => sending);
        Assert.Equal(MailFailure.Unknown, failure.Failure);
    }

    [Fact]
    public async Task TheHandOverCheckRunsOnceTheServerIsReadyAndANoSendsNothing()
    {
        await using var server = new TestSmtpServer();
        await using var transport = Transport(server.Port);
        int calls = 0;
        Assert.NotEmpty(await transport.SendAsync(Message(1), default, () => { calls++; return Task.FromResult(true); }));
        Assert.Equal(1, calls);
        var withdrawn = await Assert.ThrowsAsync<MailDeliveryException>(() => transport.SendAsync(Message(2), default, () => Task.FromResult(false)));
        Assert.Equal(MailFailure.Withdrawn, withdrawn.Failure);
        Assert.Single(server.Received);

        // A server that cannot be reached never gets as far as the check: nothing was about to go out.
        await using var down = Transport(Loopback.FreePort(), attempts: 2);
        var unavailable = await Assert.ThrowsAsync<MailDeliveryException>(() => down.SendAsync(Message(3), default, () => { calls++; return Task.FromResult(true); }));
        Assert.Equal(MailFailure.Unavailable, unavailable.Failure);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task AnAddressThatNeedsSmtpUtf8GoesOnlyToAServerThatOffersIt()
    {
        var message = Message(1);
        message.To.Clear();
        message.To.Add(new MailboxAddress("", "用户@example.org"));
        await using (var plain = new ScriptedSmtpServer()) // no SMTPUTF8 in its EHLO
        await using (var transport = Transport(plain.Port))
        {
            var refused = await Assert.ThrowsAsync<MailDeliveryException>(() => transport.SendAsync(message));
            Assert.Equal(MailFailure.Permanent, refused.Failure);
            Assert.Contains("SMTPUTF8", refused.Reply);
            Assert.Equal(0, plain.Accepted); // not sent to a punycoded stand-in either
        }
        await using var utf8 = new FaultySmtpServer();
        await using var both = Transport(utf8.Port);
        await both.SendAsync(message);
        Assert.Equal("用户@example.org", Assert.Single(utf8.Delivered).Recipient);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnIdleConnectionIsCheckedWithNoopAndOneTheServerClosedIsNotUsed(bool checkIdle)
    {
        await using var server = new ScriptedSmtpServer { Script = n => n == 1 ? DataBehaviour.AcceptThenHangUp : DataBehaviour.Accept };
        await using var transport = Transport(server.Port, maxConnections: 1, attempts: 1, idleCheckAfter: checkIdle ? TimeSpan.Zero : null);
        await transport.SendAsync(Message(1));
        await Eventually.HoldsAsync(() => Task.FromResult(server.Accepted == 1), TimeSpan.FromSeconds(5), "the first message is in");
        await Task.Delay(200); // the server has hung up by now

        if (checkIdle)
        {
            // NOOP finds the connection dead, so the one attempt allowed goes over a new connection.
            await transport.SendAsync(Message(2));
            Assert.Equal(2, server.Accepted);
            Assert.Equal(2, server.Connections);
            await transport.SendAsync(Message(3));
            Assert.Equal(1, server.Noops); // the live connection answered NOOP and was reused
            Assert.Equal(2, server.Connections);
        }
        else
        {
            // Without the check (a connection used less than IdleCheckAfter ago), the dead connection costs the attempt.
            var failure = await Assert.ThrowsAsync<MailDeliveryException>(() => transport.SendAsync(Message(2)));
            Assert.Equal(MailFailure.Unavailable, failure.Failure);
            Assert.Equal(0, server.Noops);
        }
    }

    [Fact]
    public async Task ARefusedConnectionMakesTheServerUnavailable()
    {
        await using var transport = Transport(Loopback.FreePort(), attempts: 2);
        var failure = await Assert.ThrowsAsync<MailDeliveryException>(() => transport.SendAsync(Message(1)));
        Assert.Equal(MailFailure.Unavailable, failure.Failure);
    }

    [Fact]
    public async Task TheThrottleHoldsTheRateToMaxMessagesPerSecond()
    {
        await using var server = new TestSmtpServer();
        await using var transport = Transport(server.Port, perSecond: 10);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(1, 30).Select(i => transport.SendAsync(Message(i))));
        // 10 may go at once, the other 20 need two more seconds of tokens.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.8), $"30 messages at 10/s took only {clock.Elapsed.TotalSeconds:N2} s");
        Assert.Equal(30, server.Received.Count);
    }
}
