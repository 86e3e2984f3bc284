namespace Publisher.Digests;

public static class DigestsExtensions
{
    public static WebApplicationBuilder AddDigests(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<DigestPlanner>();
        builder.Services.AddScoped<DigestComposer>();
        builder.Services.AddScoped<DigestRuns>();
        builder.Services.AddSingleton<DigestSender>();
        return builder;
    }
}
