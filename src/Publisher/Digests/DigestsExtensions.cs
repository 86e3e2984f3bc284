using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Options;
using Publisher.Admin;

namespace Publisher.Digests;

public static class DigestsExtensions
{
    public static WebApplicationBuilder AddDigests(this WebApplicationBuilder builder, bool serve)
    {
        builder.Services.AddScoped<DigestPlanner>();
        builder.Services.AddScoped<DigestComposer>();
        builder.Services.AddScoped<DigestRuns>();
        builder.Services.AddScoped<DigestJobs>();
        builder.Services.AddSingleton<DigestSender>();
        builder.Services.AddSingleton<LedgerMarks>();
        builder.Services.AddSingleton<RetrySchedule>();
        if (!serve) return builder; // verbs send directly; Hangfire's SQLite storage is safe inside one process only

        // Hangfire with its SQLite storage under DataPath (durable across restarts, one process), or on PostgreSQL in the
        // database all processes share (see Digests/README.md).
        // The storage and the job activator are this host's own services. AddHangfire would hand out the process-wide
        // JobStorage.Current and JobActivator.Current, which the last host to start sets: with several hosts in one
        // process (the tests), jobs were then queued to, or run in the services of, another host, even a disposed one.
        builder.Services.AddSingleton<JobStorage>(services => services.GetRequiredService<IOptions<PublisherOptions>>().Value.Database.Provider == DatabaseProvider.Postgres
            // PostgreSQL: Hangfire's own schema in the same database, shared by every process. Its tables are made by
            // MigrateDatabaseAsync under the migration lock. A job's worker that looks dead is taken over after the
            // invisibility timeout; the sliding timeout renews it while the job runs, so a long digest is not started
            // a second time after 30 minutes (it would be harmless, the ledger's claims decide, but wasteful).
            ? PostgresStorage(services.GetRequiredService<Data.Postgres.PostgresDatabase>())
            : new SQLiteStorage(
            Path.Combine(services.GetRequiredService<IOptions<PublisherOptions>>().Value.FullDataPath, "hangfire.db"),
            // A queued batch starts within a second, not the default 15. A job killed mid-run would be taken up
            // again only after the 30-minute invisibility timeout; DigestResumer resumes the digest long before.
            new SQLiteStorageOptions { QueuePollInterval = TimeSpan.FromSeconds(1) }));
        builder.Services.AddSingleton<JobActivator>(services => new AspNetCoreJobActivator(services.GetRequiredService<IServiceScopeFactory>()));
        builder.Services.AddHangfire((services, config) => config
            .UseLogProvider(new TolerantHangfireLogs(services.GetRequiredService<ILoggerFactory>()))
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(services.GetRequiredService<JobStorage>()));
        builder.Services.AddHangfireServer((services, server) =>
        {
            var smtp = services.GetRequiredService<IOptions<PublisherOptions>>().Value.Smtp;
            server.WorkerCount = Math.Max(2, smtp.UsesOutbox ? 2 : smtp.MaxConnections);
            server.SchedulePollingInterval = TimeSpan.FromSeconds(5);
            // On stop, jobs are told at once (they stop claiming) and get this long to finish the message in hand: its
            // reply is waited for within the SMTP timeout. One still in hand after that is Unknown, never sent again.
            server.ShutdownTimeout = StopGrace(smtp);
        });
        // Read raw, not through the validated options: the host is built before a bad setting is reported (exit 2).
        var smtpSettings = new SmtpOptions();
        try { builder.Configuration.GetSection("Publisher:Smtp").Bind(smtpSettings); } catch (InvalidOperationException) { /* reported by validation */ }
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = StopGrace(smtpSettings) + TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton<DigestSchedules>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DigestSchedules>());
        builder.Services.AddSingleton<DigestResumer>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DigestResumer>());
        return builder;
    }

    private static PostgreSqlStorage PostgresStorage(Data.Postgres.PostgresDatabase database)
    {
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = Data.Postgres.PostgresDatabase.HangfireSchema,
            PrepareSchemaIfNecessary = false,
            QueuePollInterval = TimeSpan.FromSeconds(1),
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = TimeSpan.FromMinutes(5),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(database.ConnectionString, options), options);
    }

    /// <summary>How long a stopping process waits for the messages in hand: one SMTP reply, and a little more.</summary>
    public static TimeSpan StopGrace(SmtpOptions smtp) => TimeSpan.FromSeconds((smtp.UsesOutbox ? 5 : smtp.TimeoutSeconds) + 5);

    public static WebApplication MapDigests(this WebApplication app)
    {
        app.MapDigestsApi();
        app.MapDigestArchive();
        // Hangfire's stats endpoint reads a posted form and throws (a 500) on anything else.
        app.Use((http, next) =>
        {
            if (http.Request.Path.Equals("/hangfire/stats", StringComparison.OrdinalIgnoreCase) && !HttpMethods.IsPost(http.Request.Method))
            {
                http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                http.Response.Headers.Allow = "POST";
                return Task.CompletedTask;
            }
            return next(http);
        });
        app.UseHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new AdminDashboardAuthorization(app.Services.GetRequiredService<AdminKey>(), app.Services.GetRequiredService<TimeProvider>(),
                app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PublisherOptions>>().Value.Site.BaseUrl)],
            DashboardTitle = "Publisher jobs",
            AppPath = "/",
        });
        return app;
    }
}

/// <summary>
/// The dashboard takes the admin key like the API (Authorization: Bearer) and then sets a cookie for the
/// pages it links to; the admin console's cookie lets in too. Hangfire's default, "local requests only", would let everyone in behind a proxy.
/// </summary>
public sealed class AdminDashboardAuthorization(AdminKey key, TimeProvider clock, string? baseUrl) : IDashboardAuthorizationFilter
{
    private const string Cookie = "publisher-dashboard";

    public bool Authorize(DashboardContext context)
    {
        var http = context.GetHttpContext();
        string? header = http.Request.Headers.Authorization;
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && key.Matches(header["Bearer ".Length..].Trim()))
        {
            http.Response.Cookies.Append(Cookie, key.DashboardCookie(clock.GetUtcNow()), new CookieOptions
            {
                HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/hangfire", MaxAge = AdminKey.DashboardSession,
                // Behind a TLS proxy the request looks like http; the configured address says what the browser used.
                Secure = http.Request.IsHttps || (baseUrl?.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ?? false),
            });
            return true;
        }
        if (http.Request.Cookies.TryGetValue(Cookie, out var cookie) && key.MatchesDashboardCookie(cookie, clock.GetUtcNow())) return true;
        // Signed in to the admin console, which links here.
        return http.Request.Cookies.TryGetValue(Admin.Console.ConsoleAuthentication.Cookie, out var console)
            && key.MatchesSessionCookie(Admin.Console.ConsoleAuthentication.Purpose, console, clock.GetUtcNow());
    }
}
