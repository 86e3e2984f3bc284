using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Publisher.Faults;
using Publisher.Tests.Support;

// Usage: dotnet run -c Release --project bench/faults -- SCENARIO [--runs N] [--subscribers N] [--minutes M]
// SCENARIO: deploy | crash-loop | outage | all, or on PostgreSQL: scale-kill | scale-time | scale (both). Needs the
// published service (and for scale-*, a PostgreSQL server): bench/faults/run.sh does both.
var options = Options.Parse(args);
string dll = Path.GetFullPath(Environment.GetEnvironmentVariable("PUBLISHER_DLL") ?? "bench/out/faults/publisher/Publisher.dll");
if (!File.Exists(dll)) { Console.Error.WriteLine($"{dll} is missing: run bench/faults/run.sh, which publishes it"); return 2; }
if (options.Scenario.StartsWith("scale", StringComparison.Ordinal))
{
    string server = Environment.GetEnvironmentVariable("PUBLISHER_BENCH_POSTGRES")
        ?? throw new InvalidOperationException("PUBLISHER_BENCH_POSTGRES is not set: run bench/faults/run.sh, which starts a PostgreSQL cluster");
    var scale = new Scale(dll, server);
    int bad = 0;
    if (options.Scenario is "scale" or "scale-kill")
    {
        int members = options.Subscribers ?? 5000;
        Console.WriteLine("| run | killed at | sent before the kill (h1, h2, h3) | lost | doubled | Unknown | time to finish |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        var random = new Random(42);
        for (int i = 1; i <= options.Runs; i++)
        {
            int at = random.Next(members / 10, members * 6 / 10);
            var (r, before) = await scale.KillAsync(members, at, seed: i);
            Console.Error.WriteLine($"scale-kill run {i}: {r}");
            if (r.Lost > 0 || r.Doubled > 0 || !r.UnknownWithinBound || before.Any(n => n == 0)) bad++;
            Console.WriteLine($"| {i} | {at:N0} of {members:N0} | {string.Join(", ", before)} | {r.Lost} | {r.Doubled} | {r.Unknown} | {r.Elapsed.TotalSeconds:N1} s |");
        }
    }
    if (options.Scenario is "scale" or "scale-time")
    {
        int members = options.Subscribers ?? 20_000;
        Console.WriteLine("| hosts | subscribers | server reply delay | time to send |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var delay in new[] { 0, 20 })
            for (int hosts = 1; hosts <= 3; hosts++)
            {
                var t = await scale.TimeAsync(hosts, members, TimeSpan.FromMilliseconds(delay));
                Console.Error.WriteLine($"scale-time: {hosts} hosts, {delay} ms: {t.TotalSeconds:N1} s");
                Console.WriteLine($"| {hosts} | {members:N0} | {delay} ms | {t.TotalSeconds:N1} s ({members / t.TotalSeconds:N0} msg/s) |");
            }
    }
    return bad == 0 ? 0 : 1;
}
var scenarios = options.Scenario == "all" ? ["deploy", "crash-loop", "outage"] : new[] { options.Scenario };
Console.WriteLine("| fault | runs | messages | lost | doubled | Unknown | time to finish |");
Console.WriteLine("|---|---|---|---|---|---|---|");
int failures = 0;
foreach (var scenario in scenarios)
{
    var results = new List<Run.Result>();
    for (int i = 1; i <= options.Runs; i++)
    {
        var result = await new Run(dll, options, seed: i).ExecuteAsync(scenario);
        Console.Error.WriteLine($"{scenario} run {i}: {result}");
        results.Add(result);
    }
    failures += results.Count(r => r.Lost > 0 || r.Doubled > 0 || !r.UnknownWithinBound);
    Console.WriteLine($"| {results[0].Name} | {results.Count} | {results.Sum(r => r.Messages):N0} | {results.Sum(r => r.Lost)} | {results.Sum(r => r.Doubled)} | " +
        $"{string.Join(", ", results.Select(r => r.Unknown))} (at most {results[0].UnknownBound} each) | " +
        $"{string.Join(", ", results.Select(r => $"{r.Elapsed.TotalSeconds:N0} s"))} |");
}
return failures == 0 ? 0 : 1;

internal sealed record Options(string Scenario, int Runs, int? Subscribers, double Minutes)
{
    public static Options Parse(string[] args)
    {
        string scenario = args.FirstOrDefault(a => !a.StartsWith("--")) ?? "all";
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new Options(scenario, int.Parse(Value("--runs") ?? "1"), Value("--subscribers") is { } n ? int.Parse(n) : null,
            double.Parse(Value("--minutes") ?? "10", System.Globalization.CultureInfo.InvariantCulture));
    }
}
