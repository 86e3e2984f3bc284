using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Data;
using Publisher.Feeds;

namespace Publisher.WebSub;

/// <summary>
/// The WebSub side of publishing. With Publisher:WebSub:Hub set, it pings that hub (hub.mode=publish) for every feed
/// that changed. Without it, it is the hub: it checks each subscriber's intent (a GET to the callback that must echo a
/// random challenge) before storing or removing a subscription, and POSTs the new content of a changed feed to every
/// subscriber whose lease runs, signed with the subscriber's secret (X-Hub-Signature: sha256=HMAC of the body).
/// </summary>
public sealed class WebSubHub(Channel<SubscriptionRequest> pending, FeedStore store, SiteAddresses addresses, IServiceScopeFactory scopes,
    IHttpClientFactory httpClients, IOptions<PublisherOptions> options, TimeProvider clock, ILogger<WebSubHub> logger) : BackgroundService
{
    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1)];
    private readonly SemaphoreSlim _pushes = new(8, 8); // concurrent outgoing pushes
    private readonly string? _outsideHub = string.IsNullOrWhiteSpace(options.Value.WebSub.Hub) ? null : options.Value.WebSub.Hub;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(VerifyAsync(stoppingToken), DistributeAsync(stoppingToken));

    private HttpClient Http => httpClients.CreateClient(WebSubExtensions.HttpClientName);

    private async Task VerifyAsync(CancellationToken ct)
    {
        await foreach (var request in pending.Reader.ReadAllAsync(ct))
        {
            try { await VerifyIntentAsync(request, ct); }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                logger.LogWarning(ex, "WebSub: checking {Mode} of {Callback} to {Topic} failed; nothing changed", request.Mode, request.Callback, request.Topic);
            }
        }
    }

    /// <summary>WebSub 5.3: the subscriber must answer 2xx with the challenge as its body, else nothing changes.</summary>
    public async Task<bool> VerifyIntentAsync(SubscriptionRequest request, CancellationToken ct)
    {
        string challenge = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        var query = new Dictionary<string, string?>
        {
            ["hub.mode"] = request.Mode == HubMode.Subscribe ? "subscribe" : "unsubscribe",
            ["hub.topic"] = request.Topic,
            ["hub.challenge"] = challenge,
        };
        if (request.Mode == HubMode.Subscribe) query["hub.lease_seconds"] = request.LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var response = await Http.GetAsync(QueryHelpers.AddQueryString(request.Callback, query), ct);
        string echoed = (await response.Content.ReadAsStringAsync(ct)).Trim();
        if (!response.IsSuccessStatusCode || echoed != challenge)
        {
            logger.LogInformation("WebSub: {Callback} did not confirm its {Mode} to {Topic} ({Status}); nothing changed",
                request.Callback, request.Mode, request.Topic, (int)response.StatusCode);
            return false;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var existing = await db.WebSubSubscriptions.SingleOrDefaultAsync(s => s.Topic == request.Topic && s.Callback == request.Callback, ct);
        if (request.Mode == HubMode.Unsubscribe)
        {
            if (existing is not null) db.WebSubSubscriptions.Remove(existing);
        }
        else
        {
            existing ??= db.WebSubSubscriptions.Add(new WebSubSubscription { Topic = request.Topic, Callback = request.Callback }).Entity;
            existing.Secret = request.Secret;
            existing.LeaseSeconds = request.LeaseSeconds;
            existing.VerifiedUtc = now;
            existing.ExpiresUtc = now.AddSeconds(request.LeaseSeconds);
        }
        await db.SaveChangesAsync(ct);
        logger.LogInformation("WebSub: {Callback} {Mode}d to {Topic}", request.Callback, request.Mode.ToString().ToLowerInvariant(), request.Topic);
        return true;
    }

    private async Task DistributeAsync(CancellationToken ct)
    {
        // Changed feeds whose push waits for this host to catch up with the database; tried again every second.
        var waiting = new HashSet<FeedKey>();
        Task<bool>? next = null;
        while (!ct.IsCancellationRequested)
        {
            next ??= store.Changed.WaitToReadAsync(ct).AsTask();
            if (waiting.Count == 0) await next;
            else await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(1), clock, ct));
            if (next.IsCompleted)
            {
                if (!await next) return;
                next = null;
            }
            while (store.Changed.TryRead(out var key)) waiting.Add(key);
            foreach (var key in waiting.ToList())
                if (await AnnounceAsync(key, ct)) waiting.Remove(key);
        }
    }

    /// <summary>Pings the outside hub or pushes to this hub's subscribers; false when the push has to wait (see below).</summary>
    private async Task<bool> AnnounceAsync(FeedKey key, CancellationToken ct)
    {
        string topic = new SiteLinks(addresses.Primary).Feed(key.CategorySlug, key.Format).AbsoluteUri;
        try
        {
            if (_outsideHub is null) return await PushToSubscribersAsync(key, topic, ct);
            await PingAsync(_outsideHub, topic, ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "WebSub: announcing the change of {Topic} failed", topic);
        }
        return true;
    }

    /// <summary>The de facto publish ping most hubs take (the Recommendation leaves publishing to the hub).</summary>
    private async Task PingAsync(string hub, string topic, CancellationToken ct)
    {
        using var response = await Http.PostAsync(hub, new FormUrlEncodedContent([new("hub.mode", "publish"), new("hub.url", topic)]), ct);
        if (!response.IsSuccessStatusCode) logger.LogWarning("WebSub: hub {Hub} answered {Status} to the ping for {Topic}", hub, (int)response.StatusCode, topic);
    }

    /// <summary>
    /// Pushes the feed's current document to the subscriptions of its topic that no host has pushed it to yet. False when
    /// this host's feeds are behind the database (another host or a verb took in a newer change): then it waits, so no
    /// one pushes content older than what a subscriber may already have been sent, and tries again once it caught up
    /// (a rebuild then may not announce this feed again: its bytes may not change).
    /// </summary>
    private async Task<bool> PushToSubscribersAsync(FeedKey key, string topic, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        await db.WebSubSubscriptions.Where(s => s.ExpiresUtc <= now).ExecuteDeleteAsync(ct); // leases that ran out
        if (!await db.WebSubSubscriptions.AnyAsync(s => s.Topic == topic, ct)) return true;
        if (!await store.MatchesDatabaseAsync(ct)) return false;
        var doc = await store.GetAsync(addresses.Primary, key, ct);
        if (doc is null) return true;
        var subscribers = await ClaimAsync(db, topic, doc.ETag, ct);
        foreach (var subscriber in subscribers) _ = PushWithRetriesAsync(subscriber, topic, doc, ct);
        return true;
    }

    /// <summary>
    /// The topic's subscriptions not yet given this document, marked as given in the same statement: on several hosts
    /// sharing PostgreSQL each host builds the same bytes (the same ETag) after a change and would push them; a row's
    /// update is taken by one of them only (a second host's update waits for the first, then finds the ETag set).
    /// </summary>
    private static Task<List<WebSubSubscription>> ClaimAsync(PublisherDbContext db, string topic, string etag, CancellationToken ct) =>
        db.WebSubSubscriptions.FromSql($"""
            UPDATE "WebSubSubscriptions" SET "PushedETag" = {etag}
            WHERE "Topic" = {topic} AND ("PushedETag" IS NULL OR "PushedETag" <> {etag})
            RETURNING *
            """).AsNoTracking().ToListAsync(ct);

    private async Task PushWithRetriesAsync(WebSubSubscription subscriber, string topic, FeedDocument doc, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            await _pushes.WaitAsync(ct);
            try
            {
                using var response = await Http.SendAsync(Push(subscriber, topic, doc), ct);
                if (response.IsSuccessStatusCode) return;
                logger.LogInformation("WebSub: {Callback} answered {Status} to a push of {Topic}", subscriber.Callback, (int)response.StatusCode, topic);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                logger.LogInformation("WebSub: pushing {Topic} to {Callback} failed: {Error}", topic, subscriber.Callback, ex.Message);
            }
            finally { _pushes.Release(); }
            if (attempt >= RetryDelays.Length || ct.IsCancellationRequested) return;
            await Task.Delay(RetryDelays[attempt], clock, ct);
            if (!await StillToPushAsync(subscriber.Id, doc.ETag, ct)) return; // a newer document went (from here or another host)
        }
    }

    private async Task<bool> StillToPushAsync(int subscription, string etag, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        return await db.WebSubSubscriptions.AnyAsync(s => s.Id == subscription && s.PushedETag == etag, ct);
    }

    private HttpRequestMessage Push(WebSubSubscription subscriber, string topic, FeedDocument doc)
    {
        var content = new ByteArrayContent(doc.Bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(doc.ContentType);
        var request = new HttpRequestMessage(HttpMethod.Post, subscriber.Callback) { Content = content };
        // WebSub 7: the hub and the topic's canonical URL as Link headers, and the body's signature when there is a secret.
        request.Headers.TryAddWithoutValidation("Link", $"<{new SiteLinks(addresses.Primary).Hub.AbsoluteUri}>; rel=\"hub\", <{topic}>; rel=\"self\"");
        if (subscriber.Secret is not null)
            request.Headers.TryAddWithoutValidation("X-Hub-Signature", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(subscriber.Secret), doc.Bytes)));
        return request;
    }
}
