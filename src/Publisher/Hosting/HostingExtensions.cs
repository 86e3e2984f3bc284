namespace Publisher.Hosting;

public static class HostingExtensions
{
    public static WebApplicationBuilder AddHosting(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ProcessLease>();
        builder.Services.AddHostedService<ProcessLeaseStopper>();
        builder.Services.AddExceptionHandler<StorageFailures>();
        return builder;
    }
}
