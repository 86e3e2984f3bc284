using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Publisher.Benchmarks;

/// <summary>
/// The least an ASP.NET Core server can do to serve a feed: Kestrel with the service's socket settings, no routing, no
/// middleware, one handler writing a file's bytes held in memory in one write (its .gz twin when the request accepts gzip). What
/// bench/serve-ceiling.sh measures against nginx and against the service, in one run: the share of the gap that is
/// Kestrel's and the share that is Publisher's.
/// </summary>
public static class KestrelCeiling
{
    public static async Task<int> RunAsync(string file, int port)
    {
        byte[] identity = await File.ReadAllBytesAsync(file), gzip = await File.ReadAllBytesAsync(file + ".gz");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true); // as the service has it (Hosting/HostingExtensions.cs)
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port));
        var app = builder.Build();
        app.Run(async http =>
        {
            bool gz = http.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.Ordinal);
            var bytes = gz ? gzip : identity;
            http.Response.ContentType = "application/rss+xml; charset=utf-8";
            if (gz) http.Response.Headers.ContentEncoding = "gzip";
            http.Response.ContentLength = bytes.Length;
            await http.Response.BodyWriter.WriteAsync(bytes);
        });
        await app.RunAsync();
        return 0;
    }
}
