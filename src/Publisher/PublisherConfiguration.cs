using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Publisher;

public static class PublisherConfiguration
{
    /// <summary>
    /// Binds and validates the Publisher section, reads the appsettings.json shipped beside the binary
    /// (dotnet run keeps the caller's folder as content root), and listens on 127.0.0.1:5080 unless told otherwise.
    /// </summary>
    public static WebApplicationBuilder AddPublisherConfiguration(this WebApplicationBuilder builder, bool quiet)
    {
        var shipped = new JsonConfigurationSource
        {
            Path = "appsettings.json",
            Optional = true,
            FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
        };
        var sources = builder.Configuration.Sources;
        int firstJson = sources.Select((s, i) => (s, i)).FirstOrDefault(x => x.s is JsonConfigurationSource).i;
        sources.Insert(firstJson, shipped);

        if (quiet)
        {
            // Verbs print their results on stdout; the log only speaks up for trouble, on stderr.
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Microsoft"] = "Warning",
                ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            });
        }
        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls(Program.DefaultUrl);

        builder.Services.AddOptions<PublisherOptions>().BindConfiguration(PublisherOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PublisherOptions>, PublisherOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SiteAddresses>();
        return builder;
    }
}
