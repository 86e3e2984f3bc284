namespace Publisher.Hosting;

public static class HostingExtensions
{
    public static WebApplicationBuilder AddHosting(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ProcessLease>();
        builder.Services.AddHostedService<ProcessLeaseStopper>();
        builder.Services.AddExceptionHandler<StorageFailures>();
        // A request's code runs on the thread that read it, and a response's bytes go to the socket from the thread that
        // wrote them, instead of each being handed to another thread: serving a feed from memory is mostly such hand-offs
        // (bench/README.md). Socket completions themselves still arrive on thread-pool threads, not on the epoll thread
        // (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS stays off), so a request that blocks (SQLite under EF Core's async
        // calls) holds a pool thread, as before, and never the loop that serves every other connection.
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        return builder;
    }
}
