using System.Threading.Channels;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Publisher.WebSub;

public static class WebSubExtensions
{
    public const string HttpClientName = "websub";

    public static WebApplicationBuilder AddWebSub(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(Channel.CreateBounded<SubscriptionRequest>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropWrite }));
        builder.Services.AddHttpClient(HttpClientName, c =>
        {
            c.Timeout = TimeSpan.FromSeconds(10);
            // A callback's answer is a challenge echoed or an acknowledgement: never worth more memory than this.
            c.MaxResponseContentBufferSize = 64 * 1024;
            c.DefaultRequestHeaders.UserAgent.ParseAdd("Publisher-WebSub/1.0");
        }).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        builder.Services.AddHostedService<WebSubHub>();
        return builder;
    }

    public static IEndpointRouteBuilder MapWebSub(this IEndpointRouteBuilder app)
    {
        app.MapPost("/websub", Subscribe).WithTags("WebSub").DisableAntiforgery();
        return app;
    }

    /// <summary>
    /// W3C WebSub 5.1: a (un)subscription request is answered 202 at once; the hub then checks the subscriber's intent
    /// with a GET to the callback before anything is stored or removed.
    /// </summary>
    public static async Task<Results<Accepted, ProblemHttpResult>> Subscribe(HttpRequest request, SiteAddresses addresses,
        IOptions<PublisherOptions> options, Channel<SubscriptionRequest> pending, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.WebSub.Hub))
            return TypedResults.Problem(statusCode: 404, title: "No hub here", detail: $"This site's hub is {options.Value.WebSub.Hub}.");
        if (!request.HasFormContentType)
            return TypedResults.Problem(statusCode: 400, title: "Not a subscription request", detail: "Send hub.mode, hub.callback and hub.topic as application/x-www-form-urlencoded.");
        var form = await request.ReadFormAsync(ct);
        var subscription = SubscriptionRequest.Read(form, addresses.Primary, options.Value.WebSub, out var error);
        if (subscription is null) return TypedResults.Problem(statusCode: 400, title: "Bad subscription request", detail: error);
        if (!pending.Writer.TryWrite(subscription))
            return TypedResults.Problem(statusCode: 503, title: "Busy", detail: "Too many subscription requests are waiting; try again later.");
        return TypedResults.Accepted((string?)null);
    }
}
