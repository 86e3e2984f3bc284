using System.CommandLine;
using System.Text;
using Microsoft.Extensions.Options;
using Publisher.Articles;
using Publisher.Feeds;

namespace Publisher.Cli;

/// <summary>The command-line verbs. Exit codes: 0 success, 1 some items failed (named on stderr), 2 usage or configuration error.</summary>
public static class Verbs
{
    public const int Ok = 0, SomeFailed = 1, Usage = 2;

    public static async Task<int> RunAsync(string[] verbArgs, IServiceProvider services)
    {
        Console.OutputEncoding = new UTF8Encoding(false);
        var root = new RootCommand("Publisher: publishes articles as RSS, Atom and JSON Feed. Without a verb it serves HTTP.")
        {
            ArticlesCommands.Ingest(services),
            ArticlesCommands.Articles(services),
            FeedsCommands.Feeds(services),
            Subscribers.SubscribersCommands.Lists(services),
            Subscribers.SubscribersCommands.Subscribers(services),
            Digests.DigestCommands.Digest(services),
        };
        try
        {
            _ = services.GetRequiredService<IOptions<PublisherOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("Configuration error: " + string.Join(" ", ex.Failures));
            return Usage;
        }
        var parsed = root.Parse(verbArgs);
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
