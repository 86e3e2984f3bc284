using Microsoft.Extensions.Options;

namespace Publisher.Bounces;

public static class BouncesExtensions
{
    /// <summary>The bounce mailbox: its settings, the pass, and, when serving, the poller (verbs never poll).</summary>
    public static WebApplicationBuilder AddBounces(this WebApplicationBuilder builder, bool serve)
    {
        builder.Services.AddOptions<BounceOptions>().BindConfiguration(BounceOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<BounceOptions>, BounceOptionsValidator>();
        builder.Services.AddScoped<BounceRecorder>();
        builder.Services.AddSingleton<BounceMailbox>();
        if (serve) builder.Services.AddHostedService<BouncePoller>();
        return builder;
    }

    public static WebApplication MapBounces(this WebApplication app)
    {
        app.MapBouncesApi();
        return app;
    }
}
