using System.CommandLine;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Cli;
using Publisher.Data;
using Spectre.Console;

namespace Publisher.Subscribers;

/// <summary>The <c>lists</c> and <c>subscribers</c> verbs: the admin API's rules, from the command line.</summary>
public static class SubscribersCommands
{
    public static Command Lists(IServiceProvider services)
    {
        var name = new Argument<string>("NAME");
        var schedule = new Option<string>("--schedule") { Description = "Cron expression of the digest (five fields).", DefaultValueFactory = _ => MailingList.DefaultSchedule };
        var timezone = new Option<string?>("--timezone") { Description = "IANA time zone of the schedule." };
        var categories = new Option<string?>("--categories") { Description = "Only these categories, comma-separated." };
        var optin = new Option<string>("--optin") { Description = "double (default) or single.", DefaultValueFactory = _ => "double" };
        var title = new Option<string?>("--title") { Description = "The name readers see in the digest (default: the description, else NAME)." };
        var archive = new Option<string>("--archive") { Description = "on (default): sent digests are public at /archive/NAME, with a feed; off: not.", DefaultValueFactory = _ => "on" };
        var create = new Command("create", "Creates a list.") { name, schedule, timezone, categories, optin, title, archive };
        create.SetAction(async (parse, ct) =>
        {
            await services.MigrateDatabaseAsync(ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var options = scope.ServiceProvider.GetRequiredService<IOptions<PublisherOptions>>();
            var list = new MailingList { Name = "", TimeZone = ListsApi.DefaultZone(options) };
            var input = new ListsApi.ListInput(parse.GetValue(name), null, parse.GetValue(schedule), parse.GetValue(timezone),
                parse.GetValue(categories)?.Split([',', '，'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList(), parse.GetValue(optin),
                parse.GetValue(title), parse.GetValue(archive) switch { "on" => true, "off" => false, _ => null });
            if (parse.GetValue(archive) is not ("on" or "off")) return Fail($"--archive is 'on' or 'off', not '{parse.GetValue(archive)}'");
            var errors = ListsApi.Apply(list, input, creating: true);
            if (errors.Count > 0) return Fail(string.Join("; ", errors.SelectMany(e => e.Value)));
            if (await db.Lists.AnyAsync(l => l.Name == list.Name, ct)) return Fail($"a list named '{list.Name}' exists already");
            list.CreatedUtc = list.UpdatedUtc = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
            db.Lists.Add(list);
            await db.SaveChangesAsync(ct);
            Console.Out.WriteLine($"created\t{list.Name}\t{list.Schedule}\t{list.TimeZone}\t{list.OptIn.ToString().ToLowerInvariant()}");
            return Verbs.Ok;
        });

        var show = new Command("show", "Shows every list with its member counts.");
        show.SetAction(async (parse, ct) =>
        {
            await services.MigrateDatabaseAsync(ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var lists = (await ListsApi.All(db, ct)).Value!;
            Console.Out.WriteLine("name\tschedule\ttimezone\toptin\tcategories\tunconfirmed\tconfirmed\tunsubscribed\tbounced\ttitle");
            foreach (var l in lists)
                Console.Out.WriteLine($"{l.Name}\t{l.Schedule}\t{l.TimeZone}\t{l.OptIn}\t{string.Join(",", l.Categories)}\t{l.Counts.Unconfirmed}\t{l.Counts.Confirmed}\t{l.Counts.Unsubscribed}\t{l.Counts.Bounced}\t{l.Title}");
            return Verbs.Ok;
        });
        return new Command("lists", "Mailing lists.") { create, show };
    }

    public static Command Subscribers(IServiceProvider services)
    {
        var listOption = new Option<string>("--list") { Description = "The list's name.", Required = true };

        var email = new Argument<string>("EMAIL");
        var nameOption = new Option<string?>("--name") { Description = "The subscriber's name." };
        var confirmedOption = new Option<bool>("--confirmed") { Description = "The admin vouches for consent: no confirmation mail." };
        var add = new Command("add", "Adds a subscriber to a list.") { email, listOption, nameOption, confirmedOption };
        add.SetAction(async (parse, ct) =>
        {
            await services.MigrateDatabaseAsync(ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var list = await db.Lists.SingleOrDefaultAsync(l => l.Name == parse.GetValue(listOption), ct);
            if (list is null) return Fail($"there is no list named '{parse.GetValue(listOption)}'");
            if (!EmailAddress.TryNormalize(parse.GetValue(email), out var address, out var emailError)) return Fail(emailError!);
            if (!SubscriberName.TryNormalize(parse.GetValue(nameOption), out var name, out var nameError)) return Fail(nameError!);
            var (m, result, _) = await scope.ServiceProvider.GetRequiredService<Subscriptions>()
                .SubscribeAsync(list, address, name, parse.GetValue(confirmedOption) ? SubscribeMode.AdminConfirmed : SubscribeMode.Admin, ct);
            if (result == SubscribeResult.Refused)
            {
                await Console.Error.WriteLineAsync($"{address} is {m.Status.ToString().ToLowerInvariant()} on '{list.Name}'; only the person can subscribe again");
                return Verbs.SomeFailed;
            }
            await SendConfirmationsAsync(scope.ServiceProvider, ct);
            Console.Out.WriteLine($"{result.ToString().ToLowerInvariant()}\t{address}\t{m.Status.ToString().ToLowerInvariant()}");
            return Verbs.Ok;
        });

        var removeEmail = new Argument<string>("EMAIL");
        var remove = new Command("remove", "Removes a subscriber from a list.") { removeEmail, listOption };
        remove.SetAction(async (parse, ct) =>
        {
            await services.MigrateDatabaseAsync(ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var outcome = await SubscribersApi.Remove(parse.GetValue(listOption)!, parse.GetValue(removeEmail)!, db, scope.ServiceProvider.GetRequiredService<TimeProvider>(), ct);
            if (outcome.Result is Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult problem) return Fail(problem.ProblemDetails.Detail!, problem.StatusCode == 404 && problem.ProblemDetails.Title == "Not a member" ? Verbs.SomeFailed : Verbs.Usage);
            Console.Out.WriteLine($"removed\t{parse.GetValue(removeEmail)}");
            return Verbs.Ok;
        });

        var csvFile = new Argument<string>("CSV");
        var import = new Command("import", "Imports email,name CSV into a list; reports each bad row with its line.") { csvFile, listOption, confirmedOption };
        import.SetAction(async (parse, ct) =>
        {
            string path = parse.GetValue(csvFile)!;
            if (!File.Exists(path)) return Fail($"no such file: {path}", Verbs.Usage);
            await services.MigrateDatabaseAsync(ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == parse.GetValue(listOption), ct);
            if (list is null) return Fail($"there is no list named '{parse.GetValue(listOption)}'");
            var bytes = await File.ReadAllBytesAsync(path, ct);
            int expectedRows = Math.Max(1, bytes.Count(b => b == (byte)'\n'));
            var importer = scope.ServiceProvider.GetRequiredService<CsvImporter>();
            (ImportReport? Report, string? Error) outcome = default;
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            await console.Progress().AutoClear(true).HideCompleted(true).StartAsync(async progress =>
            {
                var task = progress.AddTask($"importing into {list.Name}", maxValue: expectedRows);
                outcome = await importer.ImportAsync(list, bytes, parse.GetValue(confirmedOption), new Progress<int>(rows => task.Value = rows), ct);
                task.Value = task.MaxValue;
            });
            if (outcome.Report is not { } report) return Fail(outcome.Error!);
            foreach (var p in report.Problems) await Console.Error.WriteLineAsync($"line {p.Line}: {p.Email}: {p.Reason}");
            if (report.Stopped is { } stop)
                await Console.Error.WriteLineAsync($"stopped at line {stop.AtLine}: {stop.Reason}. Every row through line {stop.StoredThroughLine} is stored; " +
                                                   "run the same import again once there is room.");
            int mailed = 0;
            try { mailed = await SendConfirmationsAsync(scope.ServiceProvider, ct); }
            catch (Exception ex) when (Hosting.StorageFailures.Of(ex) is { } storage)
            {
                // The rows are stored; their confirmation mails go out with the service's next round.
                await Console.Error.WriteLineAsync($"confirmation mails not sent now: {storage.Title.ToLowerInvariant()}: {ex.GetBaseException().Message}");
            }
            Console.Out.WriteLine($"rows {report.Rows}, added {report.Added}, confirmed {report.Confirmed}, unchanged {report.Unchanged}, refused {report.Refused}, failed {report.Failed}" +
                (mailed > 0 ? $", confirmation mails {mailed}" : ""));
            return report.Problems.Count > 0 || report.Stopped is not null ? Verbs.SomeFailed : Verbs.Ok;
        });

        var outOption = new Option<string?>("--out") { Description = "Write to this file instead of stdout." };
        var export = new Command("export", "Exports a list as CSV: email,name,status,subscribed_at,confirmed_at.") { listOption, outOption };
        export.SetAction(async (parse, ct) =>
        {
            await services.MigrateDatabaseAsync(ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == parse.GetValue(listOption), ct);
            if (list is null) return Fail($"there is no list named '{parse.GetValue(listOption)}'");
            string? file = parse.GetValue(outOption);
            await using var writer = file is null ? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) : new StreamWriter(file, false, new UTF8Encoding(false));
            int count = await CsvExporter.WriteAsync(db, list, writer, ct);
            if (file is not null) await Console.Error.WriteLineAsync($"exported {count} subscribers to {Path.GetFullPath(file)}");
            return Verbs.Ok;
        });
        return new Command("subscribers", "Members of mailing lists.") { add, remove, import, export };
    }

    /// <summary>A verb sends the confirmation mails it caused; the claim keeps a running service from sending them too.</summary>
    private static async Task<int> SendConfirmationsAsync(IServiceProvider scoped, CancellationToken ct) =>
        await scoped.GetRequiredService<ConfirmationMailer>().SendDueAsync(PublicUrls.Base(scoped.GetRequiredService<IConfiguration>()), ct);

    private static int Fail(string message, int code = Verbs.Usage)
    {
        Console.Error.WriteLine(message);
        return code;
    }
}
