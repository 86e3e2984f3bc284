using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Publisher.Templates;

namespace Publisher.Subscribers;

public static class SubscribersExtensions
{
    public static WebApplicationBuilder AddSubscribers(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SubscriberTokens>();
        builder.Services.AddSingleton<ConfirmationSignal>();
        builder.Services.AddSingleton<SubscribeAddressLimiter>();
        builder.Services.AddScoped<Subscriptions>();
        builder.Services.AddScoped<PreferenceCentre.Edit>();
        builder.Services.AddScoped<CsvImporter>();
        builder.Services.AddScoped<ConfirmationMailer>();
        builder.Services.AddScoped<EmailRenderer>();
        builder.Services.AddHostedService<ConfirmationSender>();
        builder.Services.AddRateLimiter(limits =>
        {
            limits.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limits.AddPolicy(SubscriptionEndpoints.ClientPolicy, http =>
            {
                int perMinute = http.RequestServices.GetRequiredService<IOptions<PublisherOptions>>().Value.Subscriptions.PerClientPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            });
            limits.OnRejected = async (context, ct) =>
            {
                await Results.Problem(statusCode: 429, title: "Too many requests", detail: "Too many subscription requests from this address; try again in a minute.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapSubscribers(this IEndpointRouteBuilder app)
    {
        app.MapSubscriptions();
        app.MapPreferenceCentre();
        app.MapListsApi();
        app.MapSubscribersApi();
        return app;
    }
}
