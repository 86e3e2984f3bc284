using System.CommandLine;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Articles;
using Publisher.Data;
using Publisher.Feeds;

namespace Publisher.Cli;

/// <summary>The command-line verbs. Exit codes: 0 success, 1 some items failed (named on stderr), 2 usage or configuration error.</summary>
public static class Verbs
{
    public const int Ok = 0, SomeFailed = 1, Usage = 2;

    /// <summary>
    /// <c>migrate</c>: brings the database up to date and exits, for deploy pipelines that want it as its own step (the
    /// server and every verb also do it before they start). Prints what it applied.
    /// </summary>
    private static Command Migrate(IServiceProvider services)
    {
        var migrate = new Command("migrate", "Applies the database migrations and exits; prints the ones it applied.");
        migrate.SetAction(async (_, ct) =>
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            await db.EnsureHistoryTableAsync(ct);
            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
            await services.MigrateDatabaseAsync(ct);
            foreach (var name in pending) Console.WriteLine($"applied {name}");
            Console.WriteLine(pending.Count == 0 ? "the database is up to date" : $"applied {pending.Count} migrations; the database is up to date");
            return Ok;
        });
        return migrate;
    }

    public static async Task<int> RunAsync(string[] verbArgs, IServiceProvider services)
    {
        Console.OutputEncoding = new UTF8Encoding(false);
        var root = new RootCommand("""
            Publisher: publishes articles as RSS, Atom and JSON Feed, and mails subscribers digests of what is new.

            Without a verb it serves: HTTP on 127.0.0.1:5080 (--urls to change) with the feeds, the pages, subscribe and
            unsubscribe, the admin API and the Hangfire dashboard, and runs the digest schedule and the folder watcher.
            Settings come as --Publisher:Key=value, environment variables (Publisher__Key) or appsettings.json.
            Exit codes of the verbs: 0 done, 1 some items failed (named on stderr), 2 usage or configuration error.
            """)
        {
            ArticlesCommands.Ingest(services),
            ArticlesCommands.Articles(services),
            FeedsCommands.Feeds(services),
            Subscribers.SubscribersCommands.Lists(services),
            Subscribers.SubscribersCommands.Subscribers(services),
            Digests.DigestCommands.Digest(services),
            Migrate(services),
        };
        var parsed = root.Parse(verbArgs);
        if (parsed.Action is System.CommandLine.Help.HelpAction) return await parsed.InvokeAsync(); // usage needs no valid settings
        try
        {
            _ = services.GetRequiredService<IOptions<PublisherOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("Configuration error: " + string.Join(" ", ex.Failures));
            return Usage;
        }
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) await Console.Error.WriteLineAsync(error.Message);
            await Console.Error.WriteLineAsync("Run with --help for usage.");
            return Usage;
        }
        // Ctrl+C or SIGTERM cancels the verb's token; it then stops claiming and waits for the messages in hand (one SMTP
        // reply). System.CommandLine's own default would end the process two seconds after the signal, mid-conversation.
        var smtp = services.GetRequiredService<IOptions<PublisherOptions>>().Value.Smtp;
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = Digests.DigestsExtensions.StopGrace(smtp) });
    }
}
